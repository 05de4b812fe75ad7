/**
 * Inputs and outputs of the connection-selection policy (policy.ts). Everything here is plain
 * data: the tunnel manager gathers it from the peer DB, the babel monitor and its RTT probes,
 * and carries out the decision.
 */

/** Role of an outgoing tunnel (SELECTION.md): explorers link distant clusters, proximity slots the nearest. */
export type SlotKind = 'explorer' | 'proximity';

/** A peer we could connect to, as the peer DB knows it. */
export interface PeerInfo {
  /** The peer's prefix (the same text on every node: both ends compare it). */
  prefix: string;
  /** Marked dead after repeated failures: chosen only when no live peer is left. */
  dead: boolean;
  /** Its address record says it is at its incoming limit: never asked. */
  full: boolean;
}

/** Fields every tunnel has. */
interface TunnelBase {
  /** The tunnel manager's identifier (e.g. its device name). */
  id: string;
  /** The peer at the other end. */
  prefix: string;
  /** Installed babel routes through the tunnel (an attribute of the tunnel, from the babel monitor). */
  routeCount: number;
  /** RTT to the peer in ms, or null when not measured. */
  rttMs: number | null;
  /** Time since the tunnel was opened, ms. */
  ageMs: number;
  /** Already being drained: counts as a link to the peer, not as a slot. */
  draining: boolean;
}

/** A tunnel this node opened (a client), in one of its slots. */
export interface OutgoingTunnel extends TunnelBase {
  /** Direction. */
  direction: 'outgoing';
  /** The slot it fills. */
  slot: SlotKind;
}

/** A tunnel another node opened to our listener. */
export interface IncomingTunnel extends TunnelBase {
  /** Direction. */
  direction: 'incoming';
}

/** One current tunnel, opening or up. */
export type TunnelInfo = OutgoingTunnel | IncomingTunnel;

/** Everything the policy decides from. */
export interface SelectionInput {
  /** Our own prefix: never a candidate. */
  ourPrefix: string;
  /** k: outgoing tunnels to keep. */
  clientCount: number;
  /** m: most incoming tunnels accepted. */
  maxClients: number;
  /** Known peers (the peer DB's candidates). */
  peers: readonly PeerInfo[];
  /** Current tunnels, including ones still opening and ones draining. */
  tunnels: readonly TunnelInfo[];
  /** True when the refresh period has elapsed (it restarts whenever a tunnel opens). */
  refreshDue: boolean;
  /**
   * Tunnel peers of each neighbour, by neighbour prefix, from peer exchange; null when
   * neighbour lists are unavailable (the policy then falls back to the latency-biased sampler).
   */
  neighbourTunnelPeers: ReadonlyMap<string, readonly string[]> | null;
  /** Measured RTTs in ms to candidates; null when a probe got no answer. */
  candidateRtts: ReadonlyMap<string, number | null>;
  /** Seed of this decision's random choices. */
  seed: number;
}

/** Why a tunnel is opened. */
export type OpenReason = 'fill' | 'replace';

/** A tunnel to open. */
export interface OpenAction {
  /** The peer to connect to. */
  prefix: string;
  /** The slot the tunnel will fill. */
  slot: SlotKind;
  /** An empty slot, or replacing the tunnel in {@link OpenAction.replaces}. */
  reason: OpenReason;
  /** Id of the tunnel this one replaces (drained once this one is up), or null. */
  replaces: string | null;
  /** Next choices, best first, if the peer does not accept. */
  alternatives: string[];
  /** True when only dead peers were left to choose from. */
  lastResort: boolean;
}

/** Why a tunnel is drained. */
export type DrainReason = 'fewest-routes' | 'duplicate' | 'self' | 'over-capacity';

/** A tunnel to drain (raise its cost, wait until no route uses it, close it). */
export interface DrainAction {
  /** The tunnel's id. */
  tunnelId: string;
  /** The peer at its other end. */
  prefix: string;
  /** Why. */
  reason: DrainReason;
}

/** The policy's answer. */
export interface SelectionDecision {
  /** Tunnels to open. */
  open: OpenAction[];
  /** Tunnels to drain. */
  drain: DrainAction[];
  /**
   * Candidates whose RTT is needed and absent from `candidateRtts`: measure them and decide
   * again with the same seed (the same candidates are drawn).
   */
  probe: string[];
}
