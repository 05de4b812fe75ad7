/**
 * The vocabulary of the recovery tracker: what it observes (routes, links, probes), and what it
 * records (state transitions, outages, timeline events). Plain data, no behaviour beyond a few
 * helpers on next hops, shared by the state machine, the store and the tracker.
 */
import type { OutageEndT, RecoveryEventT } from '../../ipc';

/** The next hop of a usable route: the neighbour's link-local address and the interface (tunnel). */
export interface Hop {
  /** Link-local address of the babel neighbour. */
  via: string;
  /** Interface the neighbour is heard on. */
  ifname: string;
}

/** A destination the tracker follows: a peer's prefix and the peer's node name. */
export interface Destination {
  /** The peer's prefix, as babeld announces it (the key of the destination). */
  prefix: string;
  /** The peer's node name, as the API shows it. */
  peer: string;
}

/** One input of the state machine. Times are ms since the epoch. */
export type Observation =
  /** The usable route babeld selected for `destination` is now `hop`, or there is none. */
  | { kind: 'route'; at: number; destination: Destination; hop: Hop | null }
  /** The babel neighbour `link` became usable (`alive`) or dead (cost infinite, or flushed). */
  | { kind: 'link'; at: number; link: Hop; alive: boolean }
  /** An active probe to `prefix` was answered (`ok`) or lost. */
  | { kind: 'probe'; at: number; prefix: string; ok: boolean };

/** What the store and the UI know about a destination at a moment. `none`: no measurement. */
export type ReachabilityState = 'up' | 'down' | 'none';

/**
 * How an outage ended (the API's `OutageEnd`). Only `recovered` outages have a recovery time; the
 * others were cut short by a suspend, by the tracker stopping (or crashing), or by the
 * destination leaving the mesh.
 */
export type OutageEnd = OutageEndT;

/**
 * One output of the state machine, to be stored. `prefix` (and `peer`) null means the whole mesh.
 * The records of one step are stored in one transaction, in order.
 */
export type RecoveryRecord =
  /** The destination's reachability changed at `at`. */
  | { type: 'transition'; at: number; prefix: string; peer: string; state: ReachabilityState; cause: string }
  /** An outage began at `start` (the first failed observation of the run that confirmed it). */
  | { type: 'outage-start'; prefix: string | null; peer: string | null; start: number; cause: string }
  /** The open outage of the destination ended at `end`. */
  | { type: 'outage-end'; prefix: string | null; end: number; endedBy: OutageEnd }
  /** A timeline entry, also pushed to the UI as `recovery.recorded`. */
  | { type: 'event'; event: RecoveryEventT };

/** True when both are the same next hop (or both are no route). */
export function sameHop(a: Hop | null, b: Hop | null): boolean {
  return a === b || (a !== null && b !== null && a.via === b.via && a.ifname === b.ifname);
}

/** A next hop as one string, `<via>%<ifname>`: also the key of the link it uses. */
export function hopKey(hop: Hop): string {
  return `${hop.via}%${hop.ifname}`;
}

/** A next hop in words, for causes and details: `via fe80::1 on vfb3`. */
export function describeHop(hop: Hop): string {
  return `via ${hop.via} on ${hop.ifname}`;
}
