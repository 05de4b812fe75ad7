/**
 * Reads the babel routing table for the recovery tracker: turns one effective change of the
 * {@link RoutingTable} into the {@link Observation}s the state machine takes. Pure: it only
 * reads the table (already updated by the change) and never keeps state.
 *
 * - A change to any route of a prefix yields the prefix's current usable next hop (or none); the
 *   machine compares it with the one it knew (appeared, disappeared, switched).
 * - A change to a neighbour yields whether that link is usable: dead when babeld flushed it or
 *   its cost reached infinity (babeld's verdict after missed hellos).
 * Interfaces and redistributed routes (our own prefix) yield nothing.
 */
import { BABEL_INFINITY, type BabelUpdate } from '../babel/dump-parser';
import type { RoutingTable } from '../babel/routing-table';
import type { Hop, Observation } from './observation';

/** Maps a prefix babeld routes to the name of the peer it belongs to, or null when it is no peer's. */
export type PeerResolver = (prefix: string) => string | null;

/** The usable next hop babeld selected for `prefix`, or null. */
export function selectedHop(table: RoutingTable, prefix: string): Hop | null {
  const route = table.selectedRoute(prefix);
  return route ? { via: route.via, ifname: route.ifname } : null;
}

/** What the change `update`, just applied to `table` at `at`, means for reachability. */
export function observationsOf(
  table: RoutingTable,
  update: BabelUpdate,
  at: number,
  peerOf: PeerResolver,
): Observation[] {
  if (update.type === 'route') {
    const { prefix } = update.value;
    const peer = peerOf(prefix);
    return peer === null
      ? []
      : [{ kind: 'route', at, destination: { prefix, peer }, hop: selectedHop(table, prefix) }];
  }
  if (update.type === 'neighbour') {
    const { address, ifname, cost } = update.value;
    const alive = update.kind !== 'flush' && cost < BABEL_INFINITY;
    return [{ kind: 'link', at, link: { via: address, ifname }, alive }];
  }
  return [];
}

/**
 * Everything the table holds now, as observations at `at`: every link, then the route of every
 * peer prefix. Used when the tracker starts on a table that is already populated.
 */
export function snapshotOf(table: RoutingTable, at: number, peerOf: PeerResolver): Observation[] {
  const observations: Observation[] = [];
  for (const n of table.neighbours.values()) {
    const link = { via: n.address, ifname: n.ifname };
    observations.push({ kind: 'link', at, link, alive: n.cost < BABEL_INFINITY });
  }
  for (const prefix of new Set([...table.routes.values()].map((r) => r.prefix))) {
    const peer = peerOf(prefix);
    if (peer !== null) {
      observations.push({
        kind: 'route',
        at,
        destination: { prefix, peer },
        hop: selectedHop(table, prefix),
      });
    }
  }
  return observations;
}
