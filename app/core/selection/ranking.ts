/**
 * How tunnels rank by usefulness: the policy replaces, and drains over capacity, the least useful
 * first.
 */
import type { Random } from './random';
import type { TunnelInfo } from './types';

/**
 * Orders tunnels least useful first: fewest babel routes, then the worst RTT (unknown counts as
 * worst), remaining ties in random order.
 */
export function leastUsefulFirst<T extends TunnelInfo>(tunnels: readonly T[], random: Random): T[] {
  const rtt = (t: T): number => t.rttMs ?? Infinity;
  return random
    .sample(tunnels, tunnels.length)
    .sort((a, b) => a.routeCount - b.routeCount || (rtt(a) === rtt(b) ? 0 : rtt(a) > rtt(b) ? -1 : 1));
}
