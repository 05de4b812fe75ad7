import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkRendererBuilt, normalizeUiFlag, startsNodeAtOnce, uiPort } from '../../app/cli/node-ui';

describe('node run --ui', () => {
  test('the port is optional', () => {
    expect(normalizeUiFlag(['--ui'])).toEqual(['--ui=0']);
    expect(normalizeUiFlag(['--ui', '--log-level', 'debug'])).toEqual(['--ui=0', '--log-level', 'debug']);
    expect(normalizeUiFlag(['--ui', '8080'])).toEqual(['--ui', '8080']);
  });

  test('the port is a TCP port, 0 for any', () => {
    expect(uiPort('0')).toBe(0);
    expect(uiPort('8080')).toBe(8080);
    for (const bad of ['-1', '65536', 'x', '80.5', '']) expect(() => uiPort(bad), bad).toThrow(/--ui/);
  });

  test('over a state directory not enrolled yet, only the UI starts (the user joins there)', () => {
    expect(startsNodeAtOnce(true, false)).toBe(false);
    expect(startsNodeAtOnce(true, true)).toBe(true);
    // without the UI the node starts, and an unenrolled directory fails with its own message
    expect(startsNodeAtOnce(false, false)).toBe(true);
    expect(startsNodeAtOnce(false, true)).toBe(true);
  });

  test('a missing renderer build is one line naming the command that builds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vifibnet-renderer-'));
    try {
      expect(() => checkRendererBuilt(dir)).toThrow(/index\.html is missing: .*npm run build:renderer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
