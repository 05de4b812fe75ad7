/**
 * The seam between the helper's socket server and its operation handlers: the server
 * authenticates, frames and validates; handlers act. Types only.
 */
import type { HelperEventT, OperationName, OperationParams, OperationResult } from './protocol';

/** Kernel-verified identity of a connected caller (SO_PEERCRED). */
export interface Caller {
  /** Process id of the caller at connect time. */
  pid: number;
  /** User id of the caller. */
  uid: number;
  /** Primary group id of the caller. */
  gid: number;
}

/** One async handler per allowed operation; params arrive already validated. */
export type OperationHandlers = {
  [O in OperationName]: (params: OperationParams<O>, caller: Caller) => Promise<OperationResult<O>>;
};

/** Where handlers push events; the server forwards them to every connected caller. */
export type EventSink = (event: HelperEventT) => void;
