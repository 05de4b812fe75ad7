/**
 * A periodic job of the node loop (announce, bootstrap, peer exchange, upkeep): polled at every
 * tick, it runs when due, never twice at once, and its action says when it is due next (so
 * retries can back off). A failure is logged and retried after {@link RETRY_AFTER_FAILURE_MS}.
 */
import type { Logger } from '../log';

/** Delay before running a job again after it threw. */
export const RETRY_AFTER_FAILURE_MS = 30_000;

/** One periodic job. */
export class BackgroundTask {
  private nextAt: number;
  private requested = false;
  private running: Promise<void> | null = null;

  /**
   * Creates a job; `action` resolves to the delay in ms until its next run. It is first due at
   * `firstDueAt` (ms since the epoch; at once by default).
   */
  constructor(
    private readonly name: string,
    private readonly action: () => Promise<number>,
    private readonly logger: Logger,
    firstDueAt = 0,
  ) {
    this.nextAt = firstDueAt;
  }

  /** Makes the job due now (or right after the current run). */
  runSoon(): void {
    this.requested = true;
  }

  /** Starts the job when it is due at `now` and not running. */
  poll(now: number): void {
    if (this.running || (!this.requested && now < this.nextAt)) return;
    this.requested = false;
    this.running = this.action()
      .then(
        (delay) => {
          this.nextAt = now + delay;
        },
        (err: unknown) => {
          this.logger.warn(`${this.name} failed`, {
            error: err instanceof Error ? err.message : String(err),
          });
          this.nextAt = now + RETRY_AFTER_FAILURE_MS;
        },
      )
      .finally(() => (this.running = null));
  }

  /** Resolves once the current run (if any) is over. */
  async settled(): Promise<void> {
    await this.running;
  }
}
