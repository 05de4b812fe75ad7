/** The babeld config writer: its fixed directives, per-instance paths and refusal of unsafe values. */
import { describe, expect, it } from 'vitest';
import {
  babeldArgs,
  babeldConfig,
  DRAIN_METRIC,
  DRAIN_SLOTS,
  drainLines,
  interfaceLine,
  SMOOTHING_HALF_LIFE_S,
} from '../../helper/config/babeld';
import { ConfigValueError } from '../../helper/config/directives';

const fields = {
  helloInterval: 0.25,
  interfaces: [
    { name: 'vfbs-udp', type: 'tunnel' as const, splitHorizon: false },
    { name: 'vfbc-1', type: 'wireless' as const, splitHorizon: true },
  ],
  redistribute: { prefix: 'fd12:3456:789a:1::/64', length: 64 },
};

describe('babeld config writer', () => {
  it('writes random-id, interfaces with type and hello, and redistributes only the node prefix', () => {
    const lines = babeldConfig(fields)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'random-id true',
      'link-detect true',
      `smoothing-half-life ${SMOOTHING_HALF_LIFE_S}`,
      'interface vfbs-udp type tunnel hello-interval 0.25 split-horizon false',
      'interface vfbc-1 type wireless hello-interval 0.25',
      ...Array.from({ length: DRAIN_SLOTS }, (_, k) => [
        `in if vfbdrain${k} metric ${DRAIN_METRIC}`,
        `out if vfbdrain${k} metric ${DRAIN_METRIC}`,
      ]).flat(),
      'redistribute ip fd12:3456:789a:1::/64 eq 64 allow',
      'redistribute local deny',
      'redistribute deny',
    ]);
  });

  it('never opens a socket, daemonises or logs to a file from the config; filters only drain', () => {
    const text = babeldConfig(fields);
    const filters = text.split('\n').filter((l) => /^(in|out) /.test(l));
    expect(filters).toHaveLength(2 * DRAIN_SLOTS);
    for (const f of filters) expect(f).toMatch(/^(in|out) if vfbdrain\d+ metric \d+$/);
    for (const d of [
      'local-path',
      'local-port',
      'daemonise',
      'log-file',
      'pid-file',
      'state-file',
      'import-table',
      'export-table',
      'install ',
    ]) {
      expect(
        text.split('\n').some((l) => l.startsWith(d)),
        d,
      ).toBe(false);
    }
  });

  it('runs in the foreground with per-instance paths and a read-write socket the caller never gets', () => {
    const args = babeldArgs({
      config: '/st/a/run/babeld.conf',
      pidFile: '/st/a/run/babeld.pid',
      stateFile: '/st/a/run/babeld.state',
      controlSocket: '/st/a/run/babeld.sock',
    });
    expect(args).toEqual([
      '-c',
      '/st/a/run/babeld.conf',
      '-I',
      '/st/a/run/babeld.pid',
      '-S',
      '/st/a/run/babeld.state',
      '-G',
      '/st/a/run/babeld.sock',
    ]);
    expect(args).not.toContain('-D');
  });

  it('refuses unsafe values', () => {
    expect(() =>
      interfaceLine({ name: 'vfb0\nredistribute allow', type: 'wired', splitHorizon: true }, 1),
    ).toThrow(ConfigValueError);
    expect(() => interfaceLine({ name: 'eth0', type: 'wired', splitHorizon: true }, 1)).toThrow(
      ConfigValueError,
    );
    expect(() => drainLines(DRAIN_SLOTS)).toThrow(ConfigValueError);
    expect(() => drainLines(-1)).toThrow(ConfigValueError);
    expect(() => interfaceLine({ name: 'vfb0', type: 'wired', splitHorizon: true }, 0.01)).toThrow(
      ConfigValueError,
    );
    expect(() =>
      babeldConfig({ ...fields, redistribute: { prefix: 'fd00::/64 allow\nredistribute', length: 64 } }),
    ).toThrow(ConfigValueError);
    expect(() => babeldArgs({ config: 'rel', pidFile: '/p', stateFile: '/s', controlSocket: '/c' })).toThrow(
      ConfigValueError,
    );
  });
});
