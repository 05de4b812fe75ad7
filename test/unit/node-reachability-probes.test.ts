/**
 * The overlay prober of the tunnel peers (app/core/node/reachability-probes.ts) with vitest's
 * fake timers as the clock and a fake probe that answers after an RTT, or times out, as the
 * test's "network" says. What reaches the recovery tracker from it is tested in
 * node-engine-host.test.ts; the UDP echo itself in the node's integration tests.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { nodeAddress } from '../../app/core/node/addressing';
import {
  MAX_PROBE_PERIOD_MS,
  MIN_PROBE_PERIOD_MS,
  probePeriodMs,
  probeTimeoutMs,
  ReachabilityProber,
  UNANSWERED_LINGER_MS,
  type ProbeTarget,
} from '../../app/core/node/reachability-probes';
import type { ProbeResult } from '../../app/core/recovery';

const T0 = Date.UTC(2026, 10, 1);
const A = 'fd00:1:2:a::/64';
const B = 'fd00:1:2:b::/64';
const RTT_MS = 10;

/** A prober over a fake network: `reachable` hosts answer after {@link RTT_MS}, others time out. */
function probing(options: { tunnelPeers: string[]; periodMs?: number; noTarget?: string[] }) {
  const reachable = new Set<string>();
  const sent: { host: string; at: number; timeoutMs: number }[] = [];
  const results: ProbeResult[] = [];
  const state = { tunnelPeers: options.tunnelPeers, periodMs: options.periodMs ?? 500 };
  const probe = vi.fn((target: ProbeTarget, timeoutMs: number) => {
    sent.push({ host: target.host, at: Date.now() - T0, timeoutMs });
    const ok = reachable.has(target.host);
    return new Promise<number | null>((resolve) =>
      setTimeout(() => resolve(ok ? RTT_MS : null), ok ? RTT_MS : timeoutMs),
    );
  });
  const prober = new ReachabilityProber({
    tunnelPeers: () => state.tunnelPeers,
    targetOf: (prefix) =>
      options.noTarget?.includes(prefix) ? null : { host: nodeAddress(prefix), port: 1195 },
    probe,
    periodMs: () => state.periodMs,
    onResult: (result) => results.push(result),
    now: Date.now,
  });
  /** The results as `<prefix letter> ok|lost @<send time after T0>`. */
  const seen = () =>
    results.map((r) => `${r.prefix === A ? 'A' : 'B'} ${r.ok ? 'ok' : 'lost'} @${r.at! - T0}`);
  return { prober, probe, sent, state, reachable, seen };
}

/** Moves the clock to `ms` after T0, letting timers and microtasks run. */
const at = (ms: number) => vi.advanceTimersByTimeAsync(T0 + ms - Date.now());

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('probe period', () => {
  test('one probe per hello interval, bounded; a probe waits 4/5 of the period, at most 1 s', () => {
    expect(probePeriodMs(0.5)).toBe(500);
    expect(probePeriodMs(1)).toBe(1000);
    expect(probePeriodMs(0.05)).toBe(MIN_PROBE_PERIOD_MS);
    expect(probePeriodMs(60)).toBe(MAX_PROBE_PERIOD_MS);
    expect(probeTimeoutMs(500)).toBe(400);
    expect(probeTimeoutMs(MIN_PROBE_PERIOD_MS)).toBe(200);
    expect(probeTimeoutMs(MAX_PROBE_PERIOD_MS)).toBe(1000);
  });
});

describe('ReachabilityProber', () => {
  test('probes every tunnel peer at its overlay address once a period, and follows a new period', async () => {
    const { prober, sent, state, reachable } = probing({ tunnelPeers: [A, B] });
    reachable.add(nodeAddress(A)).add(nodeAddress(B));
    prober.start();
    await at(1000);
    state.periodMs = 1000;
    await at(3500);
    prober.dispose();
    expect(sent.map((s) => `${s.host} @${s.at} ${s.timeoutMs}`)).toEqual(
      // the round at 1000 had already timed the next one; from 1500 on, one per second
      [0, 500, 1000, 1500, 2500, 3500].flatMap((ms) => {
        const wait = ms < 1500 ? 400 : 800;
        return [`${nodeAddress(A)} @${ms} ${wait}`, `${nodeAddress(B)} @${ms} ${wait}`];
      }),
    );
  });

  test('a silent cut: lost probes are reported at their send time; a peer that leaves unanswered stays probed until it answers', async () => {
    const { prober, reachable, state, seen } = probing({ tunnelPeers: [A] });
    reachable.add(nodeAddress(A));
    prober.start();
    await at(900);
    reachable.delete(nodeAddress(A)); // the tunnel is cut silently
    await at(2600);
    state.tunnelPeers = []; // babel moved the routes off the tunnel
    await at(2700);
    reachable.add(nodeAddress(A)); // over the detour
    await at(3100);
    expect(seen()).toEqual([
      'A ok @0',
      'A ok @500',
      'A lost @1000',
      'A lost @1500',
      'A lost @2000',
      'A lost @2500',
      'A ok @3000',
    ]);
    expect(prober.probed).toEqual([A]);
    await at(4000);
    expect(prober.probed).toEqual([]);
    expect(seen()).toHaveLength(7);
    prober.dispose();
  });

  test('a peer that never answered counts for nothing, and stops being probed when it leaves', async () => {
    const { prober, probe, reachable, state, seen } = probing({ tunnelPeers: [A, B], noTarget: [B] });
    prober.start();
    await at(2000);
    expect(seen()).toEqual([]);
    expect(probe.mock.calls.map(([target]) => target.host)).toEqual(Array(5).fill(nodeAddress(A)));
    state.tunnelPeers = [];
    await at(2500);
    expect(prober.probed).toEqual([]);
    reachable.add(nodeAddress(A));
    await at(5000);
    expect(probe).toHaveBeenCalledTimes(5);
    prober.dispose();
  });

  test('an unanswered peer that left is probed for the linger time at most', async () => {
    const { prober, reachable, state, seen } = probing({ tunnelPeers: [A] });
    reachable.add(nodeAddress(A));
    prober.start();
    await at(100);
    reachable.delete(nodeAddress(A));
    await at(950);
    state.tunnelPeers = []; // it left after the probe sent at 500 was lost
    await at(1100 + UNANSWERED_LINGER_MS);
    expect(prober.probed).toEqual([]);
    const reported = seen().length;
    expect(seen().at(-1)).toBe(`A lost @${500 + UNANSWERED_LINGER_MS}`);
    await at(5000 + UNANSWERED_LINGER_MS);
    expect(seen()).toHaveLength(reported);
    prober.dispose();
  });

  test('never two probes in flight to one peer', async () => {
    const { prober, probe } = probing({ tunnelPeers: [A] });
    probe.mockImplementation(() => new Promise(() => undefined));
    prober.start();
    await at(10_000);
    expect(probe).toHaveBeenCalledOnce();
    prober.dispose();
  });

  test('a suspend is excluded: nothing is sent while paused, and a probe in flight across a pause or resume is dropped', async () => {
    const { prober, sent, reachable, seen } = probing({ tunnelPeers: [A] });
    reachable.add(nodeAddress(A));
    prober.start();
    await at(900);
    reachable.delete(nodeAddress(A)); // the machine goes to sleep: nothing answers
    await at(1100);
    prober.pause(); // the probe sent at 1000 times out at 1400, while paused
    await at(1450);
    prober.resume(); // a short suspend: the probe sent at 1500 is the first again
    reachable.add(nodeAddress(A));
    await at(1600);
    prober.pause();
    await at(30_000);
    expect(sent.filter((s) => s.at > 1600)).toEqual([]);
    prober.resume();
    await at(30_600);
    expect(seen()).toEqual(['A ok @0', 'A ok @500', 'A ok @1500', 'A ok @30500']);
    prober.dispose();
  });

  test('dispose stops the rounds and drops the results still in flight', async () => {
    const { prober, reachable, seen } = probing({ tunnelPeers: [A] });
    reachable.add(nodeAddress(A));
    prober.start();
    await at(505);
    prober.dispose();
    await at(5000);
    expect(seen()).toEqual(['A ok @0']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
