/**
 * How long a graceful drain lasts (tunnel-manager.ts): at least a grace period, so that both
 * ends have moved their routes, at most a deadline, after which the tunnel closes anyway. Both
 * scale with the babel hello interval.
 */

/**
 * Hello intervals a drained tunnel stays open at least: two update intervals (4 hellos each).
 * The far end hears our raised metrics within one, and when its alternatives are unfeasible it
 * switches after a seqno request round, well within the second. Measured in the 6-node mesh
 * (hello 0.5 s, 30 pairs probed every 50 ms): 6 of 6 rotations lost no probe with 8 hellos, the
 * rotation taking 15.6–17.8 s instead of ≈ 20 s with 16. (Losses once seen around the close were
 * not babel's: OpenVPN's listener lost packets to *other* clients after ours closed, which the
 * helper's ICMP guard fixed — helper/ops/icmp-guard.ts.)
 */
export const DRAIN_GRACE_HELLOS = 8;

/**
 * Hello intervals a drain waits at most for the routes to move, and a replacement at most for a
 * route before the tunnel it replaces is drained anyway.
 */
export const DRAIN_DEADLINE_HELLOS = 32;

/** Shortest drain deadline, for fast hello intervals (metric smoothing takes about a second). */
export const MIN_DRAIN_MS = 4_000;

/** How long a drained tunnel stays open at least, at hello interval `helloS`. */
export function drainGraceMs(helloS: number): number {
  return DRAIN_GRACE_HELLOS * helloS * 1000;
}

/** How long a drain may wait for routes to leave a tunnel, at hello interval `helloS`. */
export function drainDeadlineMs(helloS: number): number {
  return Math.max(MIN_DRAIN_MS, DRAIN_DEADLINE_HELLOS * helloS * 1000);
}
