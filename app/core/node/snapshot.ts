/**
 * The engine's status in the API's terms (app/ipc/domain.ts): the peer list from the tunnels and
 * the destinations babel routes, and the whole state snapshot. Pure.
 */
import type { HelperStatusT, NodeIdentityT, PeerT, SettingsT, SnapshotT, TunnelT } from '../../ipc';
import { formatPrefix, parsePrefix } from '../../registry/ipv6';
import { nodeName } from '../../registry/node-name';
import { nodeAddress } from './addressing';
import type { NodeStatus, TunnelStatus } from './status';

/**
 * The name of the peer owning the babel destination `prefix`, or null when it is no peer's: our
 * own prefix, a default route or a host route.
 */
export function peerOfPrefix(prefix: string, ownPrefix: string | null): string | null {
  const parsed = parsePrefix(prefix);
  if (!parsed || parsed.length === 0 || parsed.length === 128) return null;
  if (ownPrefix !== null && formatPrefix(parsed) === ownPrefix) return null;
  return nodeName(parsed);
}

function peerFromTunnels(prefix: string, tunnels: readonly TunnelStatus[]): PeerT {
  const up = tunnels.filter((t) => t.state === 'up');
  const rtts = up.map((t) => t.rttMs).filter((rtt): rtt is number => rtt !== null);
  return {
    name: tunnels[0]!.peer,
    prefix,
    address: nodeAddress(prefix),
    state: up.length > 0 ? 'connected' : 'connecting',
    rttMs: rtts.length > 0 ? Math.min(...rtts) : null,
    routes: up.reduce((sum, t) => sum + t.routes, 0),
    upSince: up.length > 0 ? Math.min(...up.map((t) => t.since)) : null,
    lastError: null,
  };
}

/**
 * The peers: one per peer we have a tunnel with (`connected` once one is up, else `connecting`),
 * then the other destinations babel has a usable route to (`reachable`), sorted by name.
 * `routed` holds the prefixes of those routes; `ownPrefix` is left out.
 */
export function peersOf(
  tunnels: readonly TunnelStatus[],
  routed: Iterable<string>,
  ownPrefix: string | null,
): PeerT[] {
  const byPrefix = new Map<string, TunnelStatus[]>();
  for (const tunnel of tunnels) {
    const prefix = formatPrefix(parsePrefix(tunnel.prefix)!);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), tunnel]);
  }
  const peers = [...byPrefix].map(([prefix, list]) => peerFromTunnels(prefix, list));
  for (const text of routed) {
    const parsed = parsePrefix(text);
    const name = peerOfPrefix(text, ownPrefix);
    if (!parsed || name === null || byPrefix.has(formatPrefix(parsed))) continue;
    const prefix = formatPrefix(parsed);
    byPrefix.set(prefix, []);
    peers.push({
      name,
      prefix,
      address: nodeAddress(prefix),
      state: 'reachable',
      rttMs: null,
      routes: 0,
      upSince: null,
      lastError: null,
    });
  }
  return peers.sort((a, b) => a.name.localeCompare(b.name));
}

/** The API's view of one tunnel. */
export function tunnelOf(tunnel: TunnelStatus): TunnelT {
  const { peer, direction, state, routes, rttMs, since } = tunnel;
  return { peer, direction, state, routes, rttMs, since };
}

/** What {@link snapshotOf} combines. */
export interface SnapshotParts {
  /** The connection state and since when it holds. */
  connection: SnapshotT['connection'];
  /** The running engine's status, null while it is not running. */
  status: NodeStatus | null;
  /** This node's identity from the state directory, null before it joins. */
  identity: NodeIdentityT | null;
  /** The peer list (see {@link peersOf}). */
  peers: PeerT[];
  /** The helper as the host sees it. */
  helper: HelperStatusT;
  /** The effective settings. */
  settings: SettingsT;
}

/** The state snapshot. */
export function snapshotOf(parts: SnapshotParts): SnapshotT {
  const { status, settings } = parts;
  const node = status ? status.node : parts.identity;
  return {
    connection: parts.connection,
    node: node && { name: node.name, prefix: node.prefix, address: node.address },
    tunnels: (status?.tunnels ?? []).map(tunnelOf),
    peers: parts.peers,
    registry: status
      ? {
          url: status.registry.url,
          reachable: status.registry.reachable,
          checkedAt: status.registry.checkedAt,
        }
      : { url: settings.registryUrl, reachable: null, checkedAt: null },
    helper: parts.helper,
    settings,
  };
}
