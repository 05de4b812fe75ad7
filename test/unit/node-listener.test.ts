/**
 * How the engine keeps the OpenVPN listener's `max-clients` (listener.ts): `listen` is a recorder
 * standing in for the helper's `openvpn.listen`, whose restart of a running listener is tested
 * against the real OpenVPN in test/integration/helper-*.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../app/core/log';
import { TunnelListener } from '../../app/core/node/listener';

function listener(fail = false) {
  const calls: number[] = [];
  const lines: string[] = [];
  const keeper = new TunnelListener(
    (maxClients) => {
      calls.push(maxClients);
      return fail && calls.length > 1 ? Promise.reject(new Error('not ready')) : Promise.resolve('vfbs-udp');
    },
    createLogger({ scope: 'test', level: 'info', sink: (line) => lines.push(line) }),
  );
  return { keeper, calls, lines };
}

describe('the listener keeper', () => {
  test('starts the listener and caps the full flag at what it runs with', async () => {
    const { keeper, calls } = listener();
    expect(keeper.cap(30)).toBe(30);
    await expect(keeper.start(20)).resolves.toBe('vfbs-udp');
    expect(calls).toEqual([20]);
    expect(keeper.device).toBe('vfbs-udp');
    expect(keeper.cap(10)).toBe(10); // a lower value is honoured at once
    expect(keeper.cap(30)).toBe(20); // a higher one only once the listener admits it
  });

  test('restarts the listener with a new max-clients while no incoming tunnel exists', async () => {
    const { keeper, calls } = listener();
    await keeper.start(20);
    await expect(keeper.change(20, 0)).resolves.toBe('unchanged');
    await expect(keeper.change(30, 0)).resolves.toBe('restarted');
    expect(calls).toEqual([20, 30]);
    expect(keeper.maxClients).toBe(30);
    expect(keeper.cap(30)).toBe(30);
  });

  test('leaves a new max-clients to the next start while incoming tunnels would be dropped', async () => {
    const { keeper, calls, lines } = listener();
    await keeper.start(20);
    await expect(keeper.change(30, 2)).resolves.toBe('deferred');
    expect(calls).toEqual([20]);
    expect(keeper.cap(30)).toBe(20);
    expect(lines.some((l) => l.includes('max-clients applies at the next listener start'))).toBe(true);
    await keeper.start(30); // the next connect, or the helper's reconnection
    expect(keeper.cap(30)).toBe(30);
  });

  test('a failed restart is logged, not thrown, and the value waits for the next start', async () => {
    const { keeper, calls, lines } = listener(true);
    await keeper.start(20);
    await expect(keeper.change(5, 0)).resolves.toBe('deferred');
    expect(calls).toEqual([20, 5]);
    expect(keeper.maxClients).toBeNull();
    expect(
      lines.some((l) => / error .*Restarting the OpenVPN listener with max-clients 5 … failed/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => l.includes('No OpenVPN listener runs until the next connect'))).toBe(true);
  });
});
