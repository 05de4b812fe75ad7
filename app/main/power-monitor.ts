/**
 * Suspend and resume. Before the machine sleeps the engine is told it is a planned pause (tunnels
 * that die meanwhile are not downtime); on wake it is told to resume, which re-verifies tunnels
 * and routes at once. The calls run in order, one after the other, even when the events come in
 * quick succession. For a short while after waking the shell stays *quiet*: problems the engine
 * is still re-verifying are not announced as notifications.
 */
import { powerMonitor } from 'electron';
import type { Logger } from '../core/log';
import { toDisposable, type Disposable } from './disposable';
import type { EngineHost } from './engine-host';

/** How long after resume the shell stays quiet, in ms: long enough to re-verify tunnels. */
export const RESUME_QUIET_MS = 30_000;

/** Options of {@link PowerMonitorController}. */
export interface PowerMonitorOptions {
  /** The engine to pause and resume. */
  engine: Pick<EngineHost, 'pause' | 'resume'>;
  /** Where failures of pause and resume are logged. */
  logger: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

/** Forwards suspend and resume to the engine and says whether the shell should stay quiet. */
export class PowerMonitorController implements Disposable {
  private paused = false;
  private resumedAt: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners: Disposable;
  private readonly now: () => number;

  /** Starts listening to the system's power events. */
  constructor(private readonly options: PowerMonitorOptions) {
    this.now = options.now ?? Date.now;
    const onSuspend = () => this.suspend();
    const onResume = () => this.resume();
    powerMonitor.on('suspend', onSuspend);
    powerMonitor.on('resume', onResume);
    this.listeners = toDisposable(() => {
      powerMonitor.removeListener('suspend', onSuspend);
      powerMonitor.removeListener('resume', onResume);
    });
  }

  /** True while paused and for {@link RESUME_QUIET_MS} after resuming. */
  isQuiet(): boolean {
    return this.paused || (this.resumedAt !== null && this.now() - this.resumedAt < RESUME_QUIET_MS);
  }

  /** Resolves once every pause and resume asked for so far has been handled (for orderly shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Stops listening. */
  dispose(): void {
    this.listeners.dispose();
  }

  private suspend(): void {
    this.paused = true;
    this.enqueue('Pausing the engine for suspend', () => this.options.engine.pause('suspend'));
  }

  private resume(): void {
    this.paused = false;
    this.resumedAt = this.now();
    this.enqueue('Resuming the engine and re-verifying tunnels', () => this.options.engine.resume());
  }

  private enqueue(what: string, action: () => Promise<void>): void {
    this.queue = this.queue.then(() =>
      this.options.logger.step(what, action).catch(() => {
        // logger.step has logged the failure with its duration; the next event still runs.
      }),
    );
  }
}
