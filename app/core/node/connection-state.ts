/**
 * The connection state the tray and the Status view show, derived from what the engine host
 * knows about the node in one pure function.
 */
import type { ConnectionStateT } from '../../ipc';

/**
 * Where the node's mesh participation is: not running, starting, running, or shutting down by
 * request (from `connection.disconnect` until the node has stopped).
 */
export type MeshPhase = 'stopped' | 'starting' | 'running' | 'stopping';

/** What {@link connectionState} reads. */
export interface ConnectionFacts {
  /** The engine's phase. */
  phase: MeshPhase;
  /** False when the helper is known to be unreachable (connection lost, or the last start failed on it). */
  helperReachable: boolean;
  /** Tunnels in state `up`. */
  tunnelsUp: number;
  /** True while the recovery tracker reports a mesh-wide outage (some peers unreachable). */
  meshOutage: boolean;
}

/**
 * The state for `facts`: `disconnecting` while stopping by request (whatever the helper does
 * meanwhile); `helper-unreachable` when the helper is lost while the mesh is wanted;
 * `disconnected` when stopped; `connecting` while starting or until the first tunnel is up;
 * `degraded` while tunnels are up but the mesh has an open outage; `connected` otherwise.
 */
export function connectionState(facts: ConnectionFacts): ConnectionStateT {
  if (facts.phase === 'stopping') return 'disconnecting';
  if (!facts.helperReachable) return 'helper-unreachable';
  if (facts.phase === 'stopped') return 'disconnected';
  if (facts.phase === 'starting' || facts.tunnelsUp === 0) return 'connecting';
  return facts.meshOutage ? 'degraded' : 'connected';
}
