/**
 * Supervises one long-running child (an OpenVPN or babeld process): starts it through
 * exec.ts, forwards its output line by line to the logger (debug, tagged with the program and
 * name) and to an optional observer, restarts it with exponential backoff when it dies, reports
 * exits and restarts as helper events, and stops it with SIGTERM then SIGKILL.
 */
import { createInterface } from 'node:readline';
import { spawnProgram, type PipedChild } from './exec';
import type { EventSink } from './handlers';
import type { Logger } from './log';

/** Program label carried in events. */
export type ProgramLabel = 'openvpn' | 'babeld';

/** Backoff between restarts. */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Upper bound of the doubling delay. */
  maxMs: number;
  /** A child that ran at least this long resets the delay to `initialMs`. */
  stableMs: number;
}

/** Default backoff: 250 ms doubling to 30 s, reset after 10 s of stable running. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, stableMs: 10_000 };

/** Default grace between SIGTERM and SIGKILL on stop. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/** Delay before restart number `attempt` (0-based): `initialMs · 2^attempt`, capped at `maxMs`. */
export function backoffDelay(attempt: number, b: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
}

/** State of a supervised child, as the snapshot reports it. */
export type SupervisedState = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

/** What to run and how to observe it. */
export interface SupervisorOptions {
  /** Program label for events and logs. */
  program: ProgramLabel;
  /** Instance name (the device, or `babeld`). */
  name: string;
  /** Absolute path of the program. */
  path: string;
  /** Its argv (without argv[0]). */
  args: readonly string[];
  /** Logger; output lines go to it at debug level. */
  logger: Logger;
  /** Where exit/restart events go. */
  emit: EventSink;
  /** Backoff between restarts. */
  backoff?: BackoffOptions;
  /** Grace between SIGTERM and SIGKILL. */
  stopTimeoutMs?: number;
  /** Called before every spawn (first start and restarts), e.g. to remove a stale pid file. */
  beforeSpawn?: () => void | Promise<void>;
  /** Called with every output line (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Called after every successful spawn (first start and restarts) with the pid. */
  onSpawn?: (pid: number) => void;
  /** Called when the child is gone (crash or stop), before any restart is scheduled. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A supervised child process. */
export class Supervisor {
  private child: PipedChild | null = null;
  private startedAt = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private exitWaiters: Array<() => void> = [];
  private _state: SupervisedState = 'stopped';
  private _restarts = 0;
  private readonly backoff: BackoffOptions;
  private readonly log: Logger;

  /** Creates a supervisor; nothing runs until {@link start}. */
  constructor(private readonly o: SupervisorOptions) {
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.log = o.logger;
  }

  /** Current state. */
  get state(): SupervisedState {
    return this._state;
  }

  /** Pid of the running child, or null. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** How many times the child was restarted after dying. */
  get restarts(): number {
    return this._restarts;
  }

  /**
   * Starts the child and resolves with its pid once the kernel has spawned it; rejects when the
   * program cannot be started at all (missing, not executable), leaving nothing running.
   */
  async start(): Promise<number> {
    if (this.child) return this.child.pid!;
    this.stopping = false;
    this._state = 'starting';
    await this.prepare();
    return new Promise((resolve, reject) => {
      let child: PipedChild;
      try {
        child = this.spawnChild();
      } catch (err) {
        this._state = 'failed';
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (err) => {
        if (child.pid === undefined) reject(err);
      });
    });
  }

  /** Runs the `beforeSpawn` hook; a failure is logged, and the child is started all the same. */
  private async prepare(): Promise<void> {
    try {
      await this.o.beforeSpawn?.();
    } catch (err) {
      this.log.warn(`preparing ${this.o.program} failed: ${(err as Error).message}`, { name: this.o.name });
    }
  }

  private spawnChild(): PipedChild {
    const { program, name } = this.o;
    const child = spawnProgram(this.o.path, this.o.args);
    this.child = child;
    this.startedAt = Date.now();
    for (const [stream, readable] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      createInterface({ input: readable, crlfDelay: Infinity }).on('line', (line) => {
        this.log.debug(line, { program, name, stream });
        this.o.onLine?.(line);
      });
    }
    let gone = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (gone) return;
      gone = true;
      this.handleExit(child, code, signal);
    };
    child.once('spawn', () => {
      this._state = 'running';
      this.log.info(`${program} started`, { name, pid: child.pid });
      this.o.onSpawn?.(child.pid!);
    });
    child.once('exit', onGone);
    child.once('error', (err) => {
      this.log.warn(`${program} could not be started: ${err.message}`, { name });
      onGone(null, null);
    });
    return child;
  }

  private handleExit(child: PipedChild, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    const { program, name } = this.o;
    if (this._state === 'starting') {
      // the first start failed: start() rejects, nothing to restart
      this._state = 'failed';
      return;
    }
    this.o.onExit?.(code, signal);
    if (this.stopping) {
      this._state = 'stopped';
      this.log.info(`${program} stopped`, { name, code, signal });
      for (const w of this.exitWaiters.splice(0)) w();
      return;
    }
    if (Date.now() - this.startedAt >= this.backoff.stableMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this._state = 'restarting';
    this.log.warn(`${program} exited; restarting in ${delay} ms`, { name, code, signal });
    this.o.emit({ event: 'child.exited', data: { program, name, code, signal, restartInMs: delay } });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopping) return;
      void this.prepare().then(() => {
        if (this.stopping) return;
        const next = this.spawnChild();
        next.once('spawn', () => {
          this._restarts++;
          this.o.emit({ event: 'child.restarted', data: { program, name, pid: next.pid! } });
        });
      });
    }, delay);
  }

  /**
   * Stops the child: SIGTERM, then SIGKILL after the grace period; cancels a pending restart.
   * Resolves once the process is gone. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const child = this.child;
    if (!child) {
      this._state = 'stopped';
      return;
    }
    const gone = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGTERM');
    const grace = this.o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    let killTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      killTimer = setTimeout(() => resolve(true), grace);
    });
    const late = await Promise.race([gone.then(() => false), timedOut]);
    clearTimeout(killTimer);
    if (late) {
      this.log.warn(`${this.o.program} ignored SIGTERM for ${grace} ms; killing`, { name: this.o.name });
      child.kill('SIGKILL');
      await gone;
    }
  }

  /** Sends SIGKILL to the child at once without waiting (last resort when the helper exits). */
  killNow(): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.child?.kill('SIGKILL');
  }
}
