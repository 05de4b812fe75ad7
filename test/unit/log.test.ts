import { describe, expect, test } from 'vitest';
import { createLogger } from '../../helper/log';

describe('logger', () => {
  const capture = () => {
    const lines: string[] = [];
    const clock = { t: 1_000 };
    const log = createLogger({
      scope: 'peers',
      level: 'info',
      sink: (l) => lines.push(l),
      now: () => clock.t,
    });
    return { lines, log, clock };
  };

  test('step logs a start line and a completion line with the duration', async () => {
    const { lines, log, clock } = capture();
    const out = await log.step('Refreshing peer DB', () => ((clock.t += 12), 42), { peers: 3 });
    expect(out).toBe(42);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/info {2}\[peers\] Refreshing peer DB … peers=3$/);
    expect(lines[1]).toMatch(/Refreshing peer DB … done in 12 ms peers=3$/);
  });

  test('step logs the failure and rethrows it', async () => {
    const { lines, log, clock } = capture();
    const fail = () => ((clock.t += 12), Promise.reject(new Error('no such file')));
    await expect(log.step('Starting babeld', fail)).rejects.toThrow('no such file');
    expect(lines[1]).toMatch(/error \[peers\] Starting babeld … failed after 12 ms: no such file$/);
  });

  test('levels below the threshold are dropped and child scopes nest', () => {
    const { lines, log } = capture();
    log.debug('hidden');
    log.child('db').warn('slow', { ms: 'a b' });
    expect(lines).toEqual([expect.stringMatching(/warn {2}\[peers\/db\] slow ms="a b"$/)]);
  });
});
