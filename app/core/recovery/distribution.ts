/**
 * The recovery-time distribution, from the lengths of the outages that recovered: how many, the
 * median and 95th percentile, and the share recovered within each of the API's limits (1 s, 5 s,
 * 30 s, 2 min). Pure.
 */
import { RECOVERY_LIMITS_MS, type RecoveryDistributionT } from '../../ipc';

/** The `p`-th percentile (0 < p ≤ 100) of ascending `sorted` values, by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Statistics of recovery times `durationsMs` (any order). An outage counts as recovered within a
 * limit when it lasted at most that long.
 */
export function recoveryStats(durationsMs: readonly number[]): RecoveryDistributionT {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    recovered: n,
    buckets: RECOVERY_LIMITS_MS.map((withinMs) => ({
      withinMs,
      share: n === 0 ? 0 : sorted.filter((ms) => ms <= withinMs).length / n,
    })),
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
  };
}
