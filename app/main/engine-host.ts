/**
 * The contract between the desktop shell and the engine it hosts. The engine (app/core/node)
 * implements {@link EngineHost}; the shell receives one from an {@link EngineHostFactory} passed
 * to it as a parameter and never builds an engine itself. Everything the window asks for goes
 * through `handlers` (the API of app/ipc, validated both ways); everything the engine reports
 * comes back through the notifiers subscribed with `onEvent`.
 */
import type { Handlers, Notifier, SnapshotT, Unsubscribe } from '../ipc';

/** Why the engine is paused: the machine is about to sleep. A planned pause is not downtime. */
export type PauseReason = 'suspend';

/** The engine as the desktop shell hosts it. */
export interface EngineHost {
  /** One handler per API command; the shell dispatches every window command and tray action to them. */
  readonly handlers: Handlers;
  /**
   * Subscribes `notifier` to every event the engine emits: after each change the engine calls
   * `notifier.state.changed(snapshot)`, for new log lines `notifier.logs.line(line)`, and so on.
   * The notifier validates each payload (and throws on a malformed one). Returns the unsubscriber.
   */
  onEvent(notifier: Notifier): Unsubscribe;
  /** The current state, synchronously: what `state.get` would answer now. */
  snapshot(): SnapshotT;
  /**
   * Starts a planned pause: from now until {@link EngineHost.resume}, lost tunnels and routes are
   * not outages (the recovery tracker records `suspended` and excludes the interval) and no
   * tunnel is replaced. Resolves once the pause is recorded; calling it while paused does nothing.
   */
  pause(reason: PauseReason): Promise<void>;
  /**
   * Ends the pause (records `resumed`) and re-verifies every tunnel and route at once, instead of
   * waiting for timers that slept with the machine. Resolves when the check has started.
   */
  resume(): Promise<void>;
  /** Stops the engine and releases everything it holds (helper connection, peer DB, timers). */
  dispose(): Promise<void>;
}

/**
 * Starts the privileged helper for the user: what the desktop shell lends the engine to answer
 * `helper.start` (helper-start-offer.ts). A headless host has none and refuses the command.
 */
export interface HelperStarter {
  /** True while a start may still be asked (the snapshot's `helper.canStart`). */
  readonly canStart: boolean;
  /**
   * Starts the helper; resolves once the start began (the helper itself is noticed by the engine
   * reaching its socket). Rejects with an `ApiError` when a start may not be asked now.
   */
  start(): Promise<void>;
}

/** What the shell hands the engine when it starts it. */
export interface EngineHostOptions {
  /** Answers `helper.start`; without one the command is refused. */
  helperStarter?: HelperStarter;
}

/** Starts the engine for the desktop shell; rejects when it cannot start at all. */
export type EngineHostFactory = (options?: EngineHostOptions) => Promise<EngineHost>;

/**
 * What app/core/node/engine-host.ts exports: `createEngineHost`, an {@link EngineHostFactory}.
 * The shell imports it lazily, so it starts (and single-instance checks run) before the engine's
 * dependencies load.
 */
export interface EngineHostModule {
  /** Starts the engine for the desktop shell. */
  createEngineHost: EngineHostFactory;
}

/** Checks that `value` (the loaded module) exports a `createEngineHost` function. */
export function engineHostModule(value: unknown): EngineHostModule {
  const factory = (value as { createEngineHost?: unknown } | null)?.createEngineHost;
  if (typeof factory !== 'function') {
    throw new Error(
      'app/core/node/engine-host does not export createEngineHost: the engine is not part of this build',
    );
  }
  return { createEngineHost: factory as EngineHostFactory };
}
