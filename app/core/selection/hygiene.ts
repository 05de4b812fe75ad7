/**
 * Drains that do not depend on usefulness: a tunnel to ourselves, duplicate tunnels to one peer,
 * and tunnels beyond the k outgoing / m incoming counts.
 */
import { leastUsefulFirst } from './ranking';
import type { Random } from './random';
import type { DrainAction, IncomingTunnel, OutgoingTunnel, SelectionInput, TunnelInfo } from './types';

/** The drains and the tunnels kept, by direction. */
export interface HygienePlan {
  /** Tunnels to drain. */
  drain: DrainAction[];
  /** Outgoing tunnels kept (not draining). */
  outgoing: OutgoingTunnel[];
  /** Incoming tunnels kept (not draining). */
  incoming: IncomingTunnel[];
}

/**
 * Of two tunnels between the same pair of nodes, both ends keep the one opened by the node with
 * the smaller prefix (compared as text, which both ends share), so they agree on which to drain.
 */
function preferenceOrder(ourPrefix: string): (a: TunnelInfo, b: TunnelInfo) => number {
  const preferred = (t: TunnelInfo): number =>
    (t.direction === 'outgoing') === ourPrefix < t.prefix ? 0 : 1;
  return (a, b) => preferred(a) - preferred(b) || b.routeCount - a.routeCount || b.ageMs - a.ageMs;
}

/** Plans the drains for ourselves, duplicates and counts; see {@link HygienePlan}. */
export function planHygiene(input: SelectionInput, random: Random): HygienePlan {
  const drain: DrainAction[] = [];
  const byPeer = new Map<string, TunnelInfo[]>();
  for (const t of input.tunnels) {
    if (t.draining) continue;
    if (t.prefix === input.ourPrefix) drain.push({ tunnelId: t.id, prefix: t.prefix, reason: 'self' });
    else byPeer.set(t.prefix, [...(byPeer.get(t.prefix) ?? []), t]);
  }

  const kept: TunnelInfo[] = [];
  for (const group of byPeer.values()) {
    const [keep, ...extra] = group.sort(preferenceOrder(input.ourPrefix));
    kept.push(keep!);
    for (const t of extra) drain.push({ tunnelId: t.id, prefix: t.prefix, reason: 'duplicate' });
  }

  const withinCount = <T extends TunnelInfo>(tunnels: T[], limit: number): T[] => {
    const ranked = leastUsefulFirst(tunnels, random);
    const excess = Math.max(0, ranked.length - limit);
    for (const t of ranked.slice(0, excess))
      drain.push({ tunnelId: t.id, prefix: t.prefix, reason: 'over-capacity' });
    return ranked.slice(excess);
  };
  const outgoing = withinCount(
    kept.filter((t): t is OutgoingTunnel => t.direction === 'outgoing'),
    input.clientCount,
  );
  const incoming = withinCount(
    kept.filter((t): t is IncomingTunnel => t.direction === 'incoming'),
    input.maxClients,
  );
  return { drain, outgoing, incoming };
}
