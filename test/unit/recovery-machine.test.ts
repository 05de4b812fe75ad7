import { describe, expect, test } from 'vitest';
import type { Hop, RecoveryRecord } from '../../app/core/recovery/observation';
import { DEFAULT_RULES, ReachabilityMachine } from '../../app/core/recovery/reachability-machine';

/**
 * The debounce, outage, mesh and suspend rules of the reachability state machine, one example
 * each. Records are summarised as `<what> <who> <state or kind> @<ms after T0>` so a test reads as
 * the timeline it expects.
 */
const T0 = Date.UTC(2026, 10, 1);
const B = { prefix: 'fd42:1:1:b::/64', peer: 'node-b' };
const C = { prefix: 'fd42:1:1:c::/64', peer: 'node-c' };
const VIA_AB: Hop = { via: 'fe80::3098:9cff:fec2:e398', ifname: 'ab' };
const VIA_AC: Hop = { via: 'fe80::843c:a5ff:fe7f:6365', ifname: 'ac' };
const SETTLE = DEFAULT_RULES.routeSettleMs;

function summary(records: readonly RecoveryRecord[]): string[] {
  return records.map((r) => {
    switch (r.type) {
      case 'transition':
        return `state ${r.peer} ${r.state} @${r.at - T0}`;
      case 'outage-start':
        return `outage ${r.peer ?? 'mesh'} start @${r.start - T0}`;
      case 'outage-end':
        return `outage ${r.prefix === null ? 'mesh' : r.prefix === B.prefix ? 'node-b' : 'node-c'} ${r.endedBy} @${r.end - T0}`;
      case 'event':
        return `event ${r.event.peer ?? 'mesh'} ${r.event.kind} @${r.event.at - T0}${
          r.event.outageMs === null ? '' : ` (${r.event.outageMs} ms)`
        }`;
    }
  });
}

/** A machine driven at times relative to T0, collecting every record. */
function machine(): {
  m: ReachabilityMachine;
  route: (ms: number, hop: Hop | null, d?: typeof B) => string[];
  link: (ms: number, hop: Hop, alive: boolean) => string[];
  probe: (ms: number, ok: boolean, d?: typeof B) => string[];
  tick: (ms: number) => string[];
  records: RecoveryRecord[];
} {
  const m = new ReachabilityMachine();
  const records: RecoveryRecord[] = [];
  const keep = (r: RecoveryRecord[]): string[] => (records.push(...r), summary(r));
  return {
    m,
    records,
    route: (ms, hop, d = B) => keep(m.observe({ kind: 'route', at: T0 + ms, destination: d, hop })),
    link: (ms, hop, alive) => keep(m.observe({ kind: 'link', at: T0 + ms, link: hop, alive })),
    probe: (ms, ok, d = B) => keep(m.observe({ kind: 'probe', at: T0 + ms, prefix: d.prefix, ok })),
    tick: (ms) => keep(m.tick(T0 + ms)),
  };
}

describe('routes', () => {
  test('a destination is tracked from its first usable route; probes to others are ignored', () => {
    const { route, probe } = machine();
    expect(route(0, null)).toEqual([]);
    expect(probe(10, false)).toEqual([]);
    expect(route(20, VIA_AB)).toEqual(['state node-b up @20']);
    expect(probe(30, false, C)).toEqual([]);
  });

  test('a route back within the settle window is a switch, not an outage', () => {
    const { m, route, tick } = machine();
    route(0, VIA_AB);
    expect(route(1000, null)).toEqual([]);
    expect(m.nextDeadline()).toBe(T0 + 1000 + SETTLE);
    expect(route(1001, VIA_AC)).toEqual([]);
    expect(tick(1000 + SETTLE)).toEqual(['event node-b route-switched @1001']);
    expect(m.nextDeadline()).toBeNull();
  });

  test('the same route back within the window is nothing at all', () => {
    const { route, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    route(1050, VIA_AB);
    expect(tick(5000)).toEqual([]);
  });

  test('a silent link cut as babeld reports it: route retracted, then the neighbour dies, then another path', () => {
    // Times and order from babeld 1.12.1 (hello 0.2 s) after dropping all traffic on A–B.
    const { route, link, tick } = machine();
    route(0, VIA_AB);
    route(1, VIA_AC, C);
    expect(route(2581, null)).toEqual([]);
    expect(link(2582, VIA_AB, false)).toEqual([]);
    expect(tick(2581 + SETTLE)).toEqual([
      'event node-b tunnel-lost @2581',
      'state node-b down @2581',
      'outage node-b start @2581',
      'event node-b outage-started @2581',
      'outage mesh start @2581',
      'event mesh outage-started @2581',
    ]);
    expect(route(3025, VIA_AC)).toEqual([
      'outage node-b recovered @3025',
      'state node-b up @3025',
      'event node-b recovered @3025 (444 ms)',
      'outage mesh recovered @3025',
      'event mesh recovered @3025 (444 ms)',
    ]);
  });

  test('a link that died before its route was lost is also a lost tunnel', () => {
    const { route, link, tick } = machine();
    route(0, VIA_AB);
    link(500, VIA_AB, false);
    route(510, null);
    route(520, VIA_AC);
    expect(tick(1000)).toEqual(['event node-b tunnel-lost @510', 'event node-b route-switched @520']);
  });

  test('a route retracted while its link lives is an upstream loss', () => {
    const { m, route, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    tick(2000);
    expect(m.observe({ kind: 'route', at: T0 + 3000, destination: B, hop: VIA_AB })).toMatchObject([
      { type: 'outage-end', endedBy: 'recovered', end: T0 + 3000 },
      { type: 'transition', state: 'up' },
      {
        type: 'event',
        event: { kind: 'recovered', outageMs: 2000, detail: `route via ${VIA_AB.via} on ab` },
      },
      { type: 'outage-end', prefix: null },
      { type: 'event', event: { kind: 'recovered', peer: null } },
    ]);
  });

  test('the cause names the lost route', () => {
    const { records, route, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    tick(2000);
    expect(records.find((r) => r.type === 'outage-start')).toMatchObject({
      cause: `route via ${VIA_AB.via} on ab retracted`,
    });
  });

  test('a next hop changing without a loss is a switch at once', () => {
    const { route } = machine();
    route(0, VIA_AB);
    expect(route(700, VIA_AC)).toEqual(['event node-b route-switched @700']);
  });

  test('a window whose end passed is settled before the next input, at its own end', () => {
    const { route } = machine();
    route(0, VIA_AB);
    route(1000, null);
    expect(route(9000, VIA_AC).slice(0, 3)).toEqual([
      'state node-b down @1000',
      'outage node-b start @1000',
      'event node-b outage-started @1000',
    ]);
  });

  test('a route lost again within its window is one outage from the first loss', () => {
    const { route, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    route(1030, VIA_AC);
    route(1060, null);
    expect(tick(1000 + SETTLE)).toContain('outage node-b start @1000');
  });
});

describe('probes', () => {
  test('one or two lost probes are no outage; a third in a row starts one at the first', () => {
    const { route, probe } = machine();
    route(0, VIA_AB);
    expect(probe(1000, false)).toEqual([]);
    expect(probe(2000, false)).toEqual([]);
    expect(probe(3000, true)).toEqual([]);
    expect(probe(4000, false)).toEqual([]);
    expect(probe(5000, false)).toEqual([]);
    expect(probe(6000, false)).toEqual([
      'state node-b down @4000',
      'outage node-b start @4000',
      'event node-b outage-started @4000',
      'outage mesh start @4000',
      'event mesh outage-started @4000',
    ]);
    expect(probe(6500, false)).toEqual([]);
    expect(probe(7000, true)).toEqual([
      'outage node-b recovered @7000',
      'state node-b up @7000',
      'event node-b recovered @7000 (3000 ms)',
      'outage mesh recovered @7000',
      'event mesh recovered @7000 (3000 ms)',
    ]);
  });

  test('probes lost without a route are not counted, and an answer without a route does not recover', () => {
    const { route, probe, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    tick(2000);
    expect(probe(3000, true)).toEqual([]);
    probe(4000, false);
    probe(5000, false);
    expect(route(6000, VIA_AB)).toContain('state node-b up @6000');
    expect(probe(7000, false)).toEqual([]);
  });

  test('a new path resets an unconfirmed count, not a confirmed loss', () => {
    const { route, probe } = machine();
    route(0, VIA_AB);
    probe(1000, false);
    probe(2000, false);
    route(2500, VIA_AC);
    expect(probe(3000, false)).toEqual([]);
    probe(4000, false);
    expect(probe(5000, false)).toContain('outage node-b start @3000');
    expect(route(6000, VIA_AB)).toEqual(['event node-b route-switched @6000']);
    expect(probe(7000, true)).toContain('event node-b recovered @7000 (4000 ms)');
  });

  test('an outage never starts before the previous one ended, even when its evidence is older', () => {
    // Within one settle window: route lost, another path, three probes lost (an outage), one
    // answered (recovered), and the route lost again: the route outage cannot start at the first loss.
    const { route, probe, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    route(1010, VIA_AC);
    probe(1020, false);
    probe(1030, false);
    expect(probe(1040, false)).toContain('outage node-b start @1020');
    expect(probe(1050, true)).toContain('outage node-b recovered @1050');
    route(1060, null);
    expect(tick(1000 + SETTLE)).toContain('outage node-b start @1050');
  });

  test('a probe timed before what was already processed is taken at the later time', () => {
    const { route, probe } = machine();
    route(5000, VIA_AB);
    probe(1000, false);
    probe(1100, false);
    expect(probe(1200, false)).toContain('outage node-b start @5000');
  });
});

describe('the mesh', () => {
  test('a mesh outage runs from the first destination outage to the end of the last', () => {
    const { route, tick } = machine();
    route(0, VIA_AB);
    route(0, VIA_AC, C);
    route(1000, null);
    tick(1200);
    route(1500, null, C);
    expect(tick(1700)).not.toContain('outage mesh start @1500');
    expect(route(2000, VIA_AC)).not.toContain('outage mesh recovered @2000');
    expect(route(3000, VIA_AB, C)).toEqual([
      'outage node-c recovered @3000',
      'state node-c up @3000',
      'event node-c recovered @3000 (1500 ms)',
      'outage mesh recovered @3000',
      'event mesh recovered @3000 (2000 ms)',
    ]);
  });

  test('forgetting a destination ends its outage, and the mesh outage, as forgotten', () => {
    const { m, route, tick } = machine();
    route(0, VIA_AB);
    route(0, VIA_AC, C);
    route(1000, null);
    tick(1200);
    expect(summary(m.forget(T0 + 2000, B.prefix))).toEqual([
      'outage node-b forgotten @2000',
      'state node-b none @2000',
      'outage mesh forgotten @2000',
    ]);
    expect(route(2500, VIA_AB)).toEqual(['state node-b up @2500']);
    expect(m.forget(T0 + 3000, 'fd42:1:1:f::/64')).toEqual([]);
  });
});

describe('suspend', () => {
  test('a pause ends an open outage as suspended, without a recovery time, and ignores what follows', () => {
    const { m, route, probe, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    tick(1200);
    expect(summary(m.pause(T0 + 2000, 'system suspend'))).toEqual([
      'event mesh suspended @2000',
      'outage node-b suspended @2000',
      'state node-b none @2000',
      'outage mesh suspended @2000',
    ]);
    expect(m.pause(T0 + 2100, 'again')).toEqual([]);
    expect(route(3000, VIA_AC)).toEqual([]);
    expect(probe(3100, false)).toEqual([]);
    expect(route(3200, null)).toEqual([]);
    expect(route(3300, VIA_AB)).toEqual([]);
    expect(summary(m.resume(T0 + 10_000))).toEqual(['event mesh resumed @10000', 'state node-b up @10000']);
    expect(m.resume(T0 + 10_001)).toEqual([]);
  });

  test('a destination without a route at resume gets the settle window, then an outage from the resume', () => {
    const { m, route, tick } = machine();
    route(0, VIA_AB);
    route(0, VIA_AC, C);
    m.pause(T0 + 1000, 'suspend');
    route(1500, null);
    route(1500, null, C);
    m.resume(T0 + 5000);
    expect(route(5050, VIA_AC, C)).toEqual([]);
    expect(tick(5000 + SETTLE)).toEqual([
      'state node-b down @5000',
      'outage node-b start @5000',
      'event node-b outage-started @5000',
      'outage mesh start @5000',
      'event mesh outage-started @5000',
      'state node-c up @5050',
    ]);
  });

  test('stop ends everything as stopped, with no timeline event', () => {
    const { m, route, tick } = machine();
    route(0, VIA_AB);
    route(1000, null);
    tick(1200);
    expect(summary(m.stop(T0 + 1500))).toEqual([
      'outage node-b stopped @1500',
      'state node-b none @1500',
      'outage mesh stopped @1500',
    ]);
  });
});
