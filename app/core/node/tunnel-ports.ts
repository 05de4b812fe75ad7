/**
 * What the tunnel manager works with, as interfaces: the babel monitor's view of the links, the
 * helper operations on tunnels, and the manager's options. The engine implements them over the
 * real babeld client and helper client (babel-monitor.ts, helper-tunnels.ts); unit tests record
 * what the manager asks of them.
 */
import type { Logger } from '../log';
import type { PeerDb } from '../peers/peer-db';
import type { Peer, PeerAddressT } from '../peers/peer-record';
import type { Counters } from './status';

/** Route count and RTT of one link, from the babel monitor. */
export interface LinkAttributes {
  /** Installed routes through it. */
  routeCount: number;
  /** Babel's RTT in ms, or null. */
  rttMs: number | null;
}

/** An incoming tunnel as the babel monitor sees it: a neighbour on a listener device. */
export interface IncomingLink extends LinkAttributes {
  /** The peer's prefix (the route it originates). */
  prefix: string;
  /** The listener device it is heard on. */
  device: string;
}

/** What the manager reads from the babel monitor. */
export interface LinkView {
  /** Attributes of the link over `device`, or undefined when babel has no such interface. */
  device(device: string): LinkAttributes | undefined;
  /** The incoming tunnels. */
  incoming(): IncomingLink[];
  /**
   * Routes the far end of `device` still sends through us: learnt over it with a metric the far
   * end announces at `drainMetric` or more (below infinity). Once a tunnel is drained, the far
   * end's own route over it costs that much, and the far end (a tap server, split horizon off)
   * announces its routes back over the tunnel, so this counts what it has not moved yet (as far
   * as babeld stored those updates: it drops an unfeasible one it has no entry for).
   */
  routesThroughUs(device: string, drainMetric: number): number;
}

/** Where an outgoing tunnel goes. */
export interface TunnelTarget extends PeerAddressT {
  /** Certificate name to pin. */
  peerName: string;
}

/** The helper operations the manager needs (serialized by the implementation). */
export interface TunnelHelper {
  /** Starts the tap client `device` to `target`. */
  connect(device: string, target: TunnelTarget): Promise<void>;
  /** Runs babeld on the listener devices and these client devices. */
  setClientDevices(devices: readonly string[]): Promise<void>;
  /**
   * Drains `device` in babel: routes over it cost more both ways, so both ends move away while
   * the link stays up. Final: the device is closed afterwards. Resolves with the metric added.
   */
  drain(device: string): Promise<number>;
  /** Stops the tap client `device` and removes it (babeld forgets it). */
  disconnect(device: string): Promise<void>;
}

/** What the manager is built from. */
export interface TunnelManagerOptions {
  /** Our prefix. */
  ourPrefix: string;
  /** Outgoing tunnels to keep (k). */
  clientCount: number;
  /** Incoming tunnels accepted (m). */
  maxClients: number;
  /** Refresh period of the policy, ms. */
  refreshMs: number;
  /** Babel hello interval, s (sets the drain deadline). */
  helloIntervalS: number;
  /** Helper operations. */
  helper: TunnelHelper;
  /** The babel monitor. */
  links: LinkView;
  /** The peer DB. */
  peers: Pick<PeerDb, 'candidates' | 'get' | 'recordSuccess' | 'recordFailure'>;
  /** Measures the RTT to a peer in ms (null without answer). */
  probe: (peer: Peer) => Promise<number | null>;
  /** Tunnel peers of each neighbour, from peer exchange, or null when none answered yet. */
  neighbourTunnelPeers: () => ReadonlyMap<string, readonly string[]> | null;
  /** Peers that said they are at their incoming limit. */
  fullPeers: () => ReadonlySet<string>;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Seed of each decision. */
  seed: () => number;
  /** Counters to update. */
  counters: Counters;
  /** Logger. */
  logger: Logger;
}

/**
 * The options a running manager takes again (TunnelManager's `configure`): the counts and
 * the refresh period from the Settings view, and the hello interval babeld was given.
 */
export type TunnelTuning = Pick<
  TunnelManagerOptions,
  'clientCount' | 'maxClients' | 'refreshMs' | 'helloIntervalS'
>;
