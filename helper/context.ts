/** What every operation module shares: logger, paths, the state record and the event sink. */
import type { AccessPolicy } from './access';
import type { EventSink } from './handlers';
import type { Logger } from './log';
import type { HelperPaths } from './paths';
import type { StateStore } from './state';

/** Shared context of the helper's operation modules. */
export interface HelperContext {
  /** The helper's logger. */
  logger: Logger;
  /** Every path of this instance. */
  paths: HelperPaths;
  /** Helper version, for hello and status. */
  version: string;
  /** Record of what is set up (persisted for crash clean-up). */
  store: StateStore;
  /** Pushes an event to connected callers (bound to the server once it listens). */
  emit: EventSink;
  /** Owner given to sockets the allowed caller may open (the read-only babeld socket). */
  callerAccess: { uid: number; gid: number };
  /** Who may connect to those sockets (checked on kernel credentials, like the protocol socket). */
  access: AccessPolicy;
}
