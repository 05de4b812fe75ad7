/**
 * When the shell raises a desktop notification, as a pure transition over successive snapshots.
 * Alerts are edge-triggered: one per episode (the helper lost once, the mesh degraded once, the
 * mesh recovered once), never repeated while a condition lasts. The first snapshot only sets the
 * baseline (the window and tray already show how things are at start). While the shell is
 * *quiet* (a planned pause around suspend) no problem is announced; a problem still present when
 * the quiet ends is announced then. A recovery is announced only for a degradation the user was
 * told about, with how long it lasted — the number this product exists to show. Taking the mesh
 * down by request (`disconnecting`, then `disconnected`) is no degradation, however many peers
 * drop out while the tunnels drain, and ends one without a recovery notice.
 */
import type { ConnectionStateT, SnapshotT } from '../ipc';

/** A notification to raise. */
export type Alert =
  | { readonly kind: 'helper-lost' }
  | { readonly kind: 'mesh-degraded'; readonly unreachablePeers: number; readonly totalPeers: number }
  | { readonly kind: 'mesh-recovered'; readonly afterMs: number };

/** What the policy remembers between snapshots. */
export interface AlertMemory {
  /** False until the first snapshot. */
  readonly started: boolean;
  /** The helper has been reachable at least once, so unreachable now means lost. */
  readonly helperSeen: boolean;
  /** The current helper outage was announced. */
  readonly helperLostAlerted: boolean;
  /**
   * The current degradation: not announced (`none`), announced (`alerted`, since `degradedSince`),
   * or present at start and left unannounced (`baseline`).
   */
  readonly degraded: 'none' | 'alerted' | 'baseline';
  /** When the announced degradation began (the snapshot's `connection.since`). */
  readonly degradedSince: number | null;
}

/** The memory before any snapshot. */
export const INITIAL_ALERT_MEMORY: AlertMemory = {
  started: false,
  helperSeen: false,
  helperLostAlerted: false,
  degraded: 'none',
  degradedSince: null,
};

/** What the policy reads from a snapshot. */
export type AlertObservation = Pick<SnapshotT, 'connection' | 'helper' | 'peers'>;

/** The result of one step: the new memory and the alerts to raise now (possibly none). */
export interface AlertStep {
  readonly memory: AlertMemory;
  readonly alerts: Alert[];
}

const UNREACHABLE_PEER_STATES: ReadonlySet<string> = new Set(['unreachable', 'dead']);

function helperStep(
  memory: AlertMemory,
  helperUp: boolean,
  quiet: boolean,
): Partial<AlertMemory> & { alert?: Alert } {
  if (helperUp) return { helperSeen: true, helperLostAlerted: false };
  if (!memory.started || !memory.helperSeen || memory.helperLostAlerted || quiet) return {};
  return { helperLostAlerted: true, alert: { kind: 'helper-lost' } };
}

function meshStep(
  memory: AlertMemory,
  observation: AlertObservation,
  quiet: boolean,
): Partial<AlertMemory> & { alert?: Alert } {
  const state: ConnectionStateT = observation.connection.state;
  if (state === 'degraded') {
    if (memory.degraded !== 'none') return {};
    if (!memory.started) return { degraded: 'baseline' };
    if (quiet) return {};
    const unreachablePeers = observation.peers.filter((p) => UNREACHABLE_PEER_STATES.has(p.state)).length;
    return {
      degraded: 'alerted',
      degradedSince: observation.connection.since,
      alert: { kind: 'mesh-degraded', unreachablePeers, totalPeers: observation.peers.length },
    };
  }
  // connected, connecting, disconnecting, disconnected, helper-unreachable: no degradation now
  const cleared = { degraded: 'none', degradedSince: null } as const;
  if (state !== 'connected' || memory.degraded !== 'alerted' || memory.degradedSince === null) return cleared;
  const afterMs = Math.max(0, observation.connection.since - memory.degradedSince);
  return { ...cleared, alert: { kind: 'mesh-recovered', afterMs } };
}

/**
 * One step of the policy: the memory after `observation` and the alerts it triggers. `quiet`
 * holds back new problems (helper lost, mesh degraded), not recoveries.
 */
export function alertStep(memory: AlertMemory, observation: AlertObservation, quiet: boolean): AlertStep {
  const { alert: helperAlert, ...helper } = helperStep(
    memory,
    observation.helper.state === 'reachable',
    quiet,
  );
  const { alert: meshAlert, ...mesh } = meshStep(memory, observation, quiet);
  const alerts = [helperAlert, meshAlert].filter((a): a is Alert => a !== undefined);
  return { memory: { ...memory, ...helper, ...mesh, started: true }, alerts };
}
