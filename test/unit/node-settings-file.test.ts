import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  effectiveSettings,
  readSettingsOverrides,
  SETTINGS_FILE,
  tuningOf,
  writeSettingsOverrides,
} from '../../app/core/node/settings-file';
import { Settings } from '../../app/ipc';
import { DEFAULT_PARAMETERS } from '../../app/registry/network-config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vifibnet-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('settings file', () => {
  test('without a file there are no overrides and the network parameters apply', () => {
    expect(readSettingsOverrides(dir)).toEqual({});
    const settings = effectiveSettings(DEFAULT_PARAMETERS, 'https://registry.example.net', {});
    expect(Settings.parse(settings)).toEqual({
      helloIntervalS: 1,
      linkMode: 'wired',
      clientCount: 10,
      maxClients: 25,
      tunnelRefreshS: 300,
      registryUrl: 'https://registry.example.net',
    });
  });

  test('overrides survive a restart, replace the file atomically and win over the network', () => {
    writeSettingsOverrides(dir, { helloIntervalS: 0.2 });
    writeSettingsOverrides(dir, { helloIntervalS: 0.5, linkMode: 'wireless' });
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE]);
    const overrides = readSettingsOverrides(dir);
    expect(overrides).toEqual({ helloIntervalS: 0.5, linkMode: 'wireless' });
    expect(effectiveSettings(DEFAULT_PARAMETERS, null, overrides)).toMatchObject({
      helloIntervalS: 0.5,
      linkMode: 'wireless',
      clientCount: 10,
      registryUrl: null,
    });
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE), 'utf8'))).toEqual(overrides);
  });

  test('a file the schema refuses is reported, not ignored', () => {
    writeFileSync(join(dir, SETTINGS_FILE), JSON.stringify({ helloIntervalS: 0.001 }));
    expect(() => readSettingsOverrides(dir)).toThrow(/settings\.json/);
    writeFileSync(join(dir, SETTINGS_FILE), '{ not json');
    expect(() => readSettingsOverrides(dir)).toThrow();
  });

  test('only the overridden parameters reach the engine', () => {
    expect(tuningOf({})).toEqual({});
    expect(tuningOf({ linkMode: 'wireless', tunnelRefreshS: 600, registryUrl: 'https://r.example' })).toEqual(
      {
        wirelessDefault: true,
        tunnelRefreshInterval: 600,
      },
    );
  });
});
