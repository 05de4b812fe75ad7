import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { RecoveryDistribution, RecoveryEvent, RecoveryHistory, type RecoveryEventT } from '../../app/ipc';
import { parseUpdate } from '../../app/core/babel/dump-parser';
import { RoutingTable } from '../../app/core/babel/routing-table';
import { createLogger } from '../../app/core/log';
import { RecoveryStore } from '../../app/core/recovery/store';
import {
  CHECKPOINT_INTERVAL_MS,
  RecoveryTracker,
  type RecoveryTrackerOptions,
} from '../../app/core/recovery/tracker';

/**
 * The tracker on a real {@link RoutingTable} and a real recovery DB, with vitest's fake timers as
 * the clock: the settle timers fire, and `Date.now` advances, exactly as the test says.
 *
 * The babeld lines come from node A of a triangle A–B–C of network namespaces, each running
 * babeld 1.12.1 (`type tunnel hello-interval 0.2`), while traffic on A–B and then on A–C was
 * silently dropped (nftables) and finally let through again. Identifiers, addresses, metrics,
 * order and times are as captured; the hello-by-hello neighbour lines in between, and the rtt
 * values, are left out.
 */
const T0 = Date.UTC(2026, 10, 1);
const PREFIX = { a: 'fd42:1:1:a::/64', b: 'fd42:1:1:b::/64', c: 'fd42:1:1:c::/64' };
const PEERS = new Map([
  [PREFIX.b, 'node-b'],
  [PREFIX.c, 'node-c'],
]);
const VIA_B = 'fe80::3098:9cff:fec2:e398';
const VIA_C = 'fe80::843c:a5ff:fe7f:6365';

const neighbour = (
  kind: string,
  id: string,
  via: string,
  ifname: string,
  reach: string,
  cost: number,
): string =>
  `${kind} neighbour ${id} address ${via} if ${ifname} reach ${reach} ureach 0000 rxcost ${cost} txcost 96 cost ${cost}`;
const route = (
  kind: string,
  id: string,
  prefix: string,
  installed: boolean,
  metric: number,
  refmetric: number,
  via: string,
): string =>
  `${kind} route ${id} prefix ${prefix} from ::/0 installed ${installed ? 'yes' : 'no'} id ${
    prefix === PREFIX.b ? '58:29:7e:82:29:a3:02:58' : '7c:cf:c6:dc:b4:a3:85:f9'
  } metric ${metric} refmetric ${refmetric} via ${via} if ${via === VIA_B ? 'ab' : 'ac'}`;

const DUMP = [
  'add interface ab up true ipv6 fe80::4c1c:1bff:fe0e:8f01',
  'add interface ac up true ipv6 fe80::d0a4:4aff:fe7c:2d12',
  neighbour('add', '557ee285ed10', VIA_C, 'ac', 'ffff', 96),
  neighbour('add', '557ee285d650', VIA_B, 'ab', 'ffff', 96),
  `add xroute ${PREFIX.a}-::/0 prefix ${PREFIX.a} from ::/0 metric 0`,
  route('add', '557ee285fed0', PREFIX.b, true, 96, 0, VIA_B),
  route('add', '557ee2860020', PREFIX.b, false, 192, 96, VIA_C),
  route('add', '557ee285ffc0', PREFIX.c, true, 96, 0, VIA_C),
  route('add', '557ee2860080', PREFIX.c, false, 192, 96, VIA_B),
];

/** [ms after the dump, line] */
const CUT_AB: [number, string][] = [
  [2315, neighbour('change', '557ee285d650', VIA_B, 'ab', '7fff', 96)],
  [2581, route('change', '557ee285fed0', PREFIX.b, true, 65535, 0, VIA_B)],
  [2581, route('change', '557ee2860080', PREFIX.c, false, 65535, 96, VIA_B)],
  [2582, neighbour('change', '557ee285d650', VIA_B, 'ab', '3fff', 65535)],
  [3025, route('change', '557ee285fed0', PREFIX.b, false, 65535, 0, VIA_B)],
  [3025, route('change', '557ee2860020', PREFIX.b, true, 192, 96, VIA_C)],
  [5466, route('flush', '557ee285fed0', PREFIX.b, false, 65535, 0, VIA_B)],
  [5466, route('flush', '557ee2860080', PREFIX.c, false, 65535, 96, VIA_B)],
  [5466, neighbour('flush', '557ee285d650', VIA_B, 'ab', '0000', 65535)],
];
const CUT_AC_THEN_RESTORE: [number, string][] = [
  [12_415, neighbour('change', '557ee285ed10', VIA_C, 'ac', '7fff', 96)],
  [12_644, route('change', '557ee2860020', PREFIX.b, true, 65535, 96, VIA_C)],
  [12_644, route('change', '557ee285ffc0', PREFIX.c, true, 65535, 0, VIA_C)],
  [12_644, neighbour('change', '557ee285ed10', VIA_C, 'ac', '3fff', 65535)],
  [15_461, route('change', '557ee2860020', PREFIX.b, false, 65535, 96, VIA_C)],
  [15_462, route('flush', '557ee2860020', PREFIX.b, false, 65535, 96, VIA_C)],
  [15_462, route('change', '557ee285ffc0', PREFIX.c, false, 65535, 0, VIA_C)],
  [15_462, route('flush', '557ee285ffc0', PREFIX.c, false, 65535, 0, VIA_C)],
  [15_462, neighbour('flush', '557ee285ed10', VIA_C, 'ac', '0000', 65535)],
  [22_260, neighbour('add', '557ee285d160', VIA_C, 'ac', '0000', 65535)],
  [22_260, neighbour('change', '557ee285d160', VIA_C, 'ac', '8000', 65535)],
  [22_299, neighbour('add', '557ee285e560', VIA_B, 'ab', '0000', 65535)],
  [22_299, neighbour('change', '557ee285e560', VIA_B, 'ab', '8000', 65535)],
  [22_299, route('add', '557ee285d2f0', PREFIX.b, false, 65535, 0, VIA_B)],
  [22_299, route('change', '557ee285d2f0', PREFIX.b, true, 65535, 0, VIA_B)],
  [22_299, route('add', '557ee285d350', PREFIX.c, false, 65535, 96, VIA_B)],
  [22_491, route('change', '557ee285d350', PREFIX.c, true, 65535, 96, VIA_B)],
  [22_667, neighbour('change', '557ee285d160', VIA_C, 'ac', 'e000', 96)],
  [22_667, route('add', '557ee285d3b0', PREFIX.b, false, 192, 96, VIA_C)],
  [22_667, route('change', '557ee285d2f0', PREFIX.b, false, 65535, 0, VIA_B)],
  [22_667, route('change', '557ee285d3b0', PREFIX.b, true, 192, 96, VIA_C)],
  [22_668, route('add', '557ee285d410', PREFIX.c, false, 96, 0, VIA_C)],
  [22_668, route('change', '557ee285d350', PREFIX.c, false, 65535, 96, VIA_B)],
  [22_668, route('change', '557ee285d410', PREFIX.c, true, 96, 0, VIA_C)],
  [22_728, neighbour('change', '557ee285e560', VIA_B, 'ab', 'e000', 96)],
  [22_728, route('change', '557ee285d2f0', PREFIX.b, false, 96, 0, VIA_B)],
];

let dir: string;
let store: RecoveryStore;
let table: RoutingTable;
let logLines: string[];
let events: RecoveryEventT[];
const trackers: RecoveryTracker[] = [];

beforeEach(async () => {
  vi.useFakeTimers({
    now: T0,
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  });
  dir = mkdtempSync(join(tmpdir(), 'vfb-recovery-tracker-'));
  logLines = [];
  events = [];
  store = await RecoveryStore.open(join(dir, 'recovery.sqlite'), {
    logger: createLogger({ scope: 'recovery', sink: () => undefined }),
  });
  table = new RoutingTable();
});

afterEach(() => {
  for (const tracker of trackers.splice(0)) tracker.dispose();
  store.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function startTracker(options: Partial<RecoveryTrackerOptions> = {}): RecoveryTracker {
  const tracker = new RecoveryTracker({
    table,
    store,
    peerOf: (prefix) => PEERS.get(prefix) ?? null,
    logger: createLogger({ scope: 'recovery', level: 'debug', sink: (l) => logLines.push(l) }),
    ...options,
  });
  tracker.onDidRecord((e) => events.push(RecoveryEvent.parse(e)));
  trackers.push(tracker);
  return tracker;
}

/**
 * Applies each line at its time after T0 (at once if that time has passed), letting timers and
 * microtasks run in between, then lets one more second pass.
 */
async function replay(lines: readonly [number, string][]): Promise<void> {
  for (const [ms, line] of lines) {
    await vi.advanceTimersByTimeAsync(Math.max(0, T0 + ms - Date.now()));
    table.apply(parseUpdate(line));
  }
  await vi.advanceTimersByTimeAsync(1000);
}

const timeline = (list: readonly RecoveryEventT[]): string[] =>
  list.map(
    (e) => `${e.at - T0} ${e.peer ?? 'mesh'} ${e.kind}${e.outageMs === null ? '' : ` ${e.outageMs} ms`}`,
  );

describe('RecoveryTracker on captured babeld lines', () => {
  test('a cut with a detour, then a cut without one: the timeline, the history and the distribution', async () => {
    table.reset(DUMP.map(parseUpdate));
    const tracker = startTracker();
    await replay(CUT_AB);
    expect(timeline(events)).toEqual([
      '2581 node-b tunnel-lost',
      '2581 node-b outage-started',
      '2581 mesh outage-started',
      '3025 node-b recovered 444 ms',
      '3025 mesh recovered 444 ms',
    ]);
    expect(events[1]!.detail).toBe(`tunnel ab to ${VIA_B} lost`);
    expect(events[3]!.detail).toBe(`route via ${VIA_C} on ac`);

    events.length = 0;
    await replay(CUT_AC_THEN_RESTORE);
    expect(timeline(events)).toEqual([
      '12644 node-b tunnel-lost',
      '12644 node-b outage-started',
      '12644 mesh outage-started',
      '12644 node-c tunnel-lost',
      '12644 node-c outage-started',
      '22667 node-b recovered 10023 ms',
      '22668 node-c recovered 10024 ms',
      '22668 mesh recovered 10024 ms',
    ]);

    const mesh = RecoveryHistory.parse(tracker.history({ from: T0, to: T0 + 30_000 }));
    expect(mesh.reachability).toEqual([
      { at: T0, reachable: 2, total: 2 },
      { at: T0 + 2581, reachable: 1, total: 2 },
      { at: T0 + 3025, reachable: 2, total: 2 },
      { at: T0 + 12_644, reachable: 0, total: 2 },
      { at: T0 + 22_667, reachable: 1, total: 2 },
      { at: T0 + 22_668, reachable: 2, total: 2 },
    ]);
    expect(mesh.outages.map((o) => [o.start - T0, o.end! - T0, o.cause])).toEqual([
      [2581, 3025, `node-b: tunnel ab to ${VIA_B} lost`],
      [12_644, 22_668, `node-b: tunnel ac to ${VIA_C} lost`],
    ]);
    const stats = tracker.distribution({ from: T0 });
    expect(stats).toMatchObject({ recovered: 2, medianMs: 444, p95Ms: 10_024 });
    expect(RecoveryDistribution.parse(stats).buckets.map((b) => b.share)).toEqual([0.5, 0.5, 1, 1]);
    expect(tracker.distribution({ from: T0, peer: 'node-c' })).toMatchObject({
      recovered: 1,
      medianMs: 10_024,
    });
    expect(logLines.filter((l) => l.includes('[recovery] Mesh'))).toHaveLength(4);
  });

  test('a dump is stored in one transaction, and a prefix of no peer is not tracked', async () => {
    const tracker = startTracker();
    const write = vi.spyOn(store, 'write');
    table.reset(DUMP.map(parseUpdate));
    table.apply(parseUpdate(route('add', '557ee2861000', 'fd42:1:1:d::/64', true, 96, 0, VIA_C)));
    await vi.advanceTimersByTimeAsync(1000);
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]![0].map((r) => r.type === 'transition' && `${r.peer} ${r.state}`)).toEqual([
      'node-b up',
      'node-c up',
    ]);
    expect(tracker.history({ from: T0 - 1 }).reachability.at(-1)).toEqual({ at: T0, reachable: 2, total: 2 });
  });
});

describe('RecoveryTracker inputs and lifecycle', () => {
  test('three lost probes in a row are an outage from the first; a single one is not', async () => {
    table.reset(DUMP.map(parseUpdate));
    const tracker = startTracker();
    tracker.probe({ prefix: PREFIX.c, ok: false, at: T0 + 100 });
    tracker.probe({ prefix: PREFIX.c, ok: true, at: T0 + 200 });
    for (const ms of [300, 400, 500]) tracker.probe({ prefix: PREFIX.c, ok: false, at: T0 + ms });
    await vi.advanceTimersByTimeAsync(1000);
    tracker.probe({ prefix: PREFIX.c, ok: true });
    tracker.probe({ prefix: 'fd42:1:1:e::/64', ok: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(timeline(events)).toEqual([
      '300 node-c outage-started',
      '300 mesh outage-started',
      '1000 node-c recovered 700 ms',
      '1000 mesh recovered 700 ms',
    ]);
    expect(tracker.history({ from: T0, peer: 'node-c' }).outages[0]!.cause).toBe('3 probes lost in a row');
  });

  test('a suspend ends an outage without a recovery time; after it, a missing route is an outage from the resume', async () => {
    table.reset(DUMP.map(parseUpdate));
    const tracker = startTracker();
    await replay(CUT_AB.slice(0, 4));
    tracker.pause('system suspend');
    await replay([[20_000, route('change', '557ee285ffc0', PREFIX.c, true, 65535, 0, VIA_C)]]);
    await vi.advanceTimersByTimeAsync(T0 + 60_000 - Date.now());
    tracker.resume();
    await vi.advanceTimersByTimeAsync(1000);
    expect(timeline(events).slice(3)).toEqual([
      '3582 mesh suspended',
      '60000 mesh resumed',
      '60000 node-b outage-started',
      '60000 mesh outage-started',
      '60000 node-c outage-started',
    ]);
    expect(tracker.distribution({ from: T0 }).recovered).toBe(0);
    const b = tracker.history({ from: T0, peer: 'node-b' });
    expect(b.outages.map((o) => [o.start - T0, o.end && o.end - T0, o.endedBy])).toEqual([
      [2581, 3582, 'suspended'],
      [60_000, null, null],
    ]);
    expect(b.reachability.map((s) => [s.at - T0, s.reachable, s.total])).toEqual([
      [0, 1, 1],
      [2581, 0, 1],
      [3582, 0, 0],
      [60_000, 0, 1],
    ]);
  });

  test('dispose ends open outages as stopped, stops listening, and leaves the store to its owner', async () => {
    table.reset(DUMP.map(parseUpdate));
    const tracker = startTracker();
    await replay(CUT_AB.slice(0, 4));
    const write = vi.spyOn(store, 'write');
    tracker.dispose();
    tracker.dispose();
    expect(write).toHaveBeenCalledTimes(1);
    table.apply(parseUpdate(CUT_AB[5]![1]));
    tracker.probe({ prefix: PREFIX.c, ok: false });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(write).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    const history = store.history({ from: T0, peer: 'node-b' }, Date.now());
    expect(history.outages.map((o) => [o.start - T0, o.end! - T0, o.endedBy])).toEqual([
      [2581, 3582, 'stopped'],
    ]);
    expect(history.reachability.at(-1)).toEqual({ at: T0 + 3582, reachable: 0, total: 0 });
    expect(store.history({ from: T0 }, Date.now()).outages.map((o) => o.endedBy)).toEqual(['stopped']);
  });

  test('a failing listener is logged and the others still hear; a failed write is retried in order', async () => {
    table.reset(DUMP.map(parseUpdate));
    const tracker = startTracker();
    tracker.onDidRecord(() => {
      throw new Error('listener broke');
    });
    await replay(CUT_AB.slice(0, 4));
    expect(events).toHaveLength(3);
    expect(
      logLines.filter((l) => l.includes('A recovery listener failed') && l.includes('listener broke')),
    ).toHaveLength(3);

    vi.spyOn(store, 'write').mockImplementationOnce(() => {
      throw new Error('database or disk is full');
    });
    await replay(CUT_AB.slice(4, 6));
    expect(events).toHaveLength(3);
    expect(logLines.filter((l) => l.includes('Cannot store recovery records; will retry'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(CHECKPOINT_INTERVAL_MS);
    expect(timeline(events.slice(3))).toEqual([
      '3582 node-b recovered 1001 ms',
      '3582 mesh recovered 1001 ms',
    ]);
    expect(logLines.some((l) => l.includes('Stored delayed recovery records count=5'))).toBe(true);
    expect(tracker.history({ from: T0, peer: 'node-b' }).outages.map((o) => o.endedBy)).toEqual([
      'recovered',
    ]);
  });
});
