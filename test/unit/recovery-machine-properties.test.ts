import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Hop, RecoveryRecord } from '../../app/core/recovery/observation';
import { DEFAULT_RULES, ReachabilityMachine } from '../../app/core/recovery/reachability-machine';

/**
 * Invariants of the reachability state machine over random interleavings of route changes, link
 * deaths, probes (some timed in the past), ticks, suspends, resumes and forgets. The run ends
 * with `stop`, so every outage is closed when the invariants are checked.
 */
const T0 = Date.UTC(2026, 10, 1);
const DESTINATIONS = [0, 1, 2].map((i) => ({ prefix: `fd00:0:0:${i}::/64`, peer: `node-${i}` }));
const HOPS: Hop[] = [0, 1, 2].map((i) => ({ via: `fe80::${i + 1}`, ifname: `vfb${i}` }));
const MESH = 'mesh';

type Op =
  | { op: 'route'; d: number; hop: number | null; dt: number }
  | { op: 'link'; hop: number; alive: boolean; dt: number }
  | { op: 'probe'; d: number; ok: boolean; dt: number; skew: number }
  | { op: 'tick' | 'pause' | 'resume'; dt: number }
  | { op: 'forget'; d: number; dt: number };

/** Time steps, often shorter than the settle window so that windows overlap with other changes. */
const dt = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 400 }));
const d = fc.integer({ min: 0, max: DESTINATIONS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('route' as const),
      d,
      hop: fc.option(fc.integer({ min: 0, max: 2 })),
      dt,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('link' as const),
      hop: fc.integer({ min: 0, max: 2 }),
      alive: fc.boolean(),
      dt,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('probe' as const),
      d,
      ok: fc.boolean(),
      dt,
      skew: fc.integer({ min: 0, max: 300 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resume' as const), dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), d, dt }) },
);

interface Run {
  /** Records of each step, in order; the last step is the final `stop`. */
  steps: RecoveryRecord[][];
  end: number;
}

function run(ops: readonly Op[]): Run {
  const m = new ReachabilityMachine();
  const steps: RecoveryRecord[][] = [];
  let t = T0;
  for (const o of ops) {
    t += o.dt;
    switch (o.op) {
      case 'route': {
        const hop = o.hop === null ? null : HOPS[o.hop]!;
        steps.push(m.observe({ kind: 'route', at: t, destination: DESTINATIONS[o.d]!, hop }));
        break;
      }
      case 'link':
        steps.push(m.observe({ kind: 'link', at: t, link: HOPS[o.hop]!, alive: o.alive }));
        break;
      case 'probe':
        steps.push(m.observe({ kind: 'probe', at: t - o.skew, prefix: DESTINATIONS[o.d]!.prefix, ok: o.ok }));
        break;
      case 'tick':
        steps.push(m.tick(t));
        break;
      case 'pause':
        steps.push(m.pause(t, 'test'));
        break;
      case 'resume':
        steps.push(m.resume(t));
        break;
      case 'forget':
        steps.push(m.forget(t, DESTINATIONS[o.d]!.prefix));
        break;
    }
  }
  steps.push(m.stop(t + 1));
  return { steps, end: t + 1 };
}

interface Interval {
  start: number;
  end: number | null;
  endedBy?: string;
}

/** Outages by destination (prefix or `mesh`), checking that an outage only starts when none is open. */
function outagesOf(records: readonly RecoveryRecord[]): Map<string, Interval[]> {
  const byKey = new Map<string, Interval[]>();
  for (const r of records) {
    if (r.type !== 'outage-start' && r.type !== 'outage-end') continue;
    const key = r.prefix ?? MESH;
    const list = byKey.get(key) ?? [];
    byKey.set(key, list);
    const open = list.at(-1)?.end === null ? list.at(-1)! : null;
    if (r.type === 'outage-start') {
      expect(open, `${key} starts an outage while one is open`).toBeNull();
      list.push({ start: r.start, end: null });
    } else {
      expect(open, `${key} ends an outage that is not open`).not.toBeNull();
      open!.end = r.end;
      open!.endedBy = r.endedBy;
    }
  }
  return byKey;
}

/** Suspend periods, from the `suspended` and `resumed` events. */
function pausesOf(records: readonly RecoveryRecord[], end: number): Interval[] {
  const pauses: Interval[] = [];
  for (const r of records) {
    if (r.type !== 'event') continue;
    if (r.event.kind === 'suspended') pauses.push({ start: r.event.at, end: null });
    if (r.event.kind === 'resumed') pauses.at(-1)!.end = r.event.at;
  }
  return pauses.map((p) => ({ start: p.start, end: p.end ?? end }));
}

const ops = fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' });

describe('reachability machine invariants', () => {
  test('outages never overlap per destination, have non-negative lengths and stay out of suspends', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const { steps, end } = run(list);
        const records = steps.flat();
        const pauses = pausesOf(records, end);
        const paused = pauses.reduce((sum, p) => sum + p.end! - p.start, 0);
        for (const [key, outages] of outagesOf(records)) {
          let previousEnd = T0;
          let downtime = 0;
          for (const o of outages) {
            expect(o.end, `${key} outage left open after stop`).not.toBeNull();
            expect(o.start).toBeGreaterThanOrEqual(previousEnd);
            expect(o.end!).toBeGreaterThanOrEqual(o.start);
            for (const p of pauses)
              expect(o.start < p.end! && p.start < o.end!, `${key} outage inside a pause`).toBe(false);
            previousEnd = o.end!;
            downtime += o.end! - o.start;
          }
          expect(downtime + paused).toBeLessThanOrEqual(end - T0);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('each destination alternates states in time order, with a down transition at each outage start', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const records = run(list).steps.flat();
        const last = new Map<string, { at: number; state: string }>();
        const downs = new Set<string>();
        for (const r of records) {
          if (r.type === 'transition') {
            const before = last.get(r.prefix);
            if (before) {
              expect(r.at).toBeGreaterThanOrEqual(before.at);
              expect(r.state).not.toBe(before.state);
            }
            last.set(r.prefix, r);
            if (r.state === 'down') downs.add(`${r.prefix}@${r.at}`);
          }
          if (r.type === 'outage-start' && r.prefix !== null)
            expect(downs.has(`${r.prefix}@${r.start}`)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('every recovered outage has a recovered event with its length, and nothing else does', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const records = run(list).steps.flat();
        const recovered = [...outagesOf(records).values()]
          .flat()
          .filter((o) => o.endedBy === 'recovered')
          .map((o) => o.end! - o.start)
          .sort((a, b) => a - b);
        const events = records
          .flatMap((r) => (r.type === 'event' && r.event.kind === 'recovered' ? [r.event.outageMs!] : []))
          .sort((a, b) => a - b);
        expect(events).toEqual(recovered);
        expect(events.every((ms) => Number.isInteger(ms) && ms >= 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('after every step, the mesh is in an outage exactly when some destination is', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const open = new Set<string>();
        for (const step of run(list).steps) {
          for (const r of step) {
            if (r.type === 'outage-start') open.add(r.prefix ?? MESH);
            if (r.type === 'outage-end') open.delete(r.prefix ?? MESH);
          }
          const destinations = [...open].filter((k) => k !== MESH).length;
          expect(open.has(MESH)).toBe(destinations > 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('with a steady route, lost probes never make an outage unless enough of them come in a row', () => {
    const threshold = DEFAULT_RULES.probeLossThreshold;
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (answers) => {
        const m = new ReachabilityMachine();
        m.observe({ kind: 'route', at: T0, destination: DESTINATIONS[0]!, hop: HOPS[0]! });
        const records = answers.flatMap((ok, i) =>
          m.observe({ kind: 'probe', at: T0 + 1000 * (i + 1), prefix: DESTINATIONS[0]!.prefix, ok }),
        );
        const longestLossRun = answers.reduce(
          (acc, ok) => ({ run: ok ? 0 : acc.run + 1, max: Math.max(acc.max, ok ? 0 : acc.run + 1) }),
          { run: 0, max: 0 },
        ).max;
        expect(records.some((r) => r.type === 'outage-start')).toBe(longestLossRun >= threshold);
      }),
      { numRuns: 300 },
    );
  });
});
