import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RecoveryDistribution, RecoveryHistory } from '../../app/ipc';
import { percentile, recoveryStats } from '../../app/core/recovery/distribution';
import { reachabilitySamples, thinSamples, type Sample } from '../../app/core/recovery/history';

/** The pure halves of the recovery queries: distribution statistics and the reachability curve. */
describe('recoveryStats', () => {
  test('nothing recovered: zero shares and no median, still a valid API answer', () => {
    const stats = recoveryStats([]);
    expect(stats).toMatchObject({ recovered: 0, medianMs: null, p95Ms: null });
    expect(stats.buckets.map((b) => b.share)).toEqual([0, 0, 0, 0]);
    expect(RecoveryDistribution.parse(stats)).toMatchObject({ recovered: 0 });
  });

  test('shares count an outage exactly at a limit as recovered within it', () => {
    const stats = recoveryStats([120_001, 1_000, 30_000, 444, 5_001]);
    expect(stats.recovered).toBe(5);
    expect(stats.buckets).toEqual([
      { withinMs: 1_000, share: 2 / 5 },
      { withinMs: 5_000, share: 2 / 5 },
      { withinMs: 30_000, share: 4 / 5 },
      { withinMs: 120_000, share: 4 / 5 },
    ]);
    expect(stats.medianMs).toBe(5_001);
    expect(stats.p95Ms).toBe(120_001);
  });

  test('percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);
    expect(percentile(sorted, 50)).toBe(1000);
    expect(percentile(sorted, 95)).toBe(1900);
    expect(percentile([7], 95)).toBe(7);
  });

  test('shares never decrease with the limit, and the median lies within the data', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 300_000 }), { minLength: 1, maxLength: 200 }), (durations) => {
        const stats = recoveryStats(durations);
        const shares = stats.buckets.map((b) => b.share);
        expect([...shares].sort((a, b) => a - b)).toEqual(shares);
        expect(durations).toContain(stats.medianMs);
        expect(stats.p95Ms!).toBeGreaterThanOrEqual(stats.medianMs!);
      }),
    );
  });
});

describe('reachabilitySamples', () => {
  const up = (at: number, prefix: string) => ({ at, prefix, state: 'up' as const });
  const down = (at: number, prefix: string) => ({ at, prefix, state: 'down' as const });
  const none = (at: number, prefix: string) => ({ at, prefix, state: 'none' as const });

  test('starts from the baseline and steps at each change; a suspended destination counts in neither', () => {
    const samples = reachabilitySamples(
      1000,
      9000,
      [up(10, 'a'), down(500, 'b'), none(900, 'c')],
      [up(2000, 'b'), down(3000, 'a'), none(4000, 'a'), none(4000, 'b'), up(5000, 'a')],
    );
    expect(samples).toEqual([
      { at: 1000, reachable: 1, total: 2 },
      { at: 2000, reachable: 2, total: 2 },
      { at: 3000, reachable: 1, total: 2 },
      { at: 4000, reachable: 0, total: 0 },
      { at: 5000, reachable: 1, total: 1 },
    ]);
    const history = { from: 1000, to: 9000, peer: null, reachability: samples, outages: [], events: [] };
    expect(RecoveryHistory.parse(history).reachability).toHaveLength(5);
  });

  test('a change that leaves the counts as they were adds no sample', () => {
    expect(reachabilitySamples(0, 100, [up(0, 'a')], [up(50, 'a')])).toEqual([
      { at: 0, reachable: 1, total: 1 },
    ]);
  });

  test('too many steps are thinned to the bound, keeping the start and the worst of each slice', () => {
    const flaps = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? down : up)(10 + i * 10, 'a'));
    const samples = reachabilitySamples(0, 10_010, [up(0, 'a')], flaps, 50);
    expect(samples.length).toBeLessThanOrEqual(50);
    expect(samples[0]).toEqual({ at: 0, reachable: 1, total: 1 });
    expect(samples.slice(1).every((s) => s.reachable === 0)).toBe(true);
    expect(samples.map((s) => s.at)).toEqual([...samples.map((s) => s.at)].sort((a, b) => a - b));
  });

  test('thinning never exceeds the bound and keeps samples in time order', () => {
    const sampleArb = fc.record({
      at: fc.integer({ min: 1, max: 100_000 }),
      reachable: fc.nat(3),
      total: fc.constant(3),
    });
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 300 }), fc.integer({ min: 2, max: 40 }), (list, max) => {
        const sorted: Sample[] = [{ at: 0, reachable: 3, total: 3 }, ...list.sort((a, b) => a.at - b.at)];
        const thinned = thinSamples(sorted, 0, 100_001, max);
        expect(thinned.length).toBeLessThanOrEqual(max);
        expect(thinned[0]).toEqual(sorted[0]);
        expect(thinned.map((s) => s.at)).toEqual(thinned.map((s) => s.at).sort((a, b) => a - b));
      }),
    );
  });
});
