/**
 * The recovery tracker: per-destination reachability from babel route changes and active probes,
 * outages and recovery times in SQLite, and the history and distribution the Recovery view shows.
 * Rules: reachability-machine.ts; storage and retention: store.ts.
 */
export {
  RecoveryTracker,
  CHECKPOINT_INTERVAL_MS,
  type ProbeResult,
  type RecoveryTrackerOptions,
} from './tracker';
export { RecoveryStore, RETENTION_MS } from './store';
export { DEFAULT_RULES, type ReachabilityRules } from './reachability-machine';
export type { PeerResolver } from './route-observer';
export type { OutageEnd } from './observation';
