/**
 * Long-running programs of the demo mesh: each is started inside a namespace by absolute path
 * with an argv array, in a process group of its own (so a Ctrl-C reaches the demo, which then
 * stops them in order, not all of them at once), with its output kept as lines in memory.
 * A {@link ProcessSet} tracks everything started, so one call stops it all.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pollUntil, type Netns } from './netns';

/** The `vifibnet` entry point, run as `node <VIFIBNET_BIN> …`. */
export const VIFIBNET_BIN = resolve(import.meta.dirname, '../../../bin/vifibnet.mjs');

/** Lines of output kept per process (older ones are dropped). */
const KEPT_LINES = 20_000;

/** How a process ended. */
export interface ProcessExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
}

/** A program started by {@link startProcess}. */
export interface ManagedProcess {
  /** Label used in messages (`helper n3`). */
  readonly label: string;
  /** The child (`ip netns exec` replaces itself with the program, so this is its pid). */
  readonly child: ChildProcess;
  /** Settles once the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** True until the process has exited. */
  running(): boolean;
  /** Its stdout and stderr lines so far, interleaved in arrival order. */
  logText(): string;
  /** Resolves with the first match of `pattern` on an output line (past or future). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL (a crash); resolves once it has exited. */
  kill(): Promise<ProcessExit>;
}

/** Options of {@link startProcess}. */
export interface StartOptions {
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
  /** Called with every output line as it arrives. */
  onLine?: (line: string) => void;
  /** Also append every output line to this file. */
  logFile?: string;
}

/** Starts `file args` inside `ns` and keeps its output. */
export function startProcess(
  ns: Netns,
  label: string,
  file: string,
  args: readonly string[],
  options: StartOptions = {},
): ManagedProcess {
  const child = ns.spawn(file, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...options.env },
  });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const logStream =
    options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const onLine = (line: string): void => {
    lines.push(line);
    if (logStream?.writableEnded === false) logStream.write(`${line}\n`);
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
    options.onLine?.(line);
    for (const waiter of waiters) waiter(line);
  };
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', onLine);
  let alive = true;
  const exited = new Promise<ProcessExit>((done) => {
    child.once('error', () => {
      alive = false;
      done({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      alive = false;
      done({ code, signal });
    });
  });
  child.once('close', () => logStream?.end());
  logStream?.on('error', () => undefined); // a lost log file must not bring the demo down
  const signal = (name: NodeJS.Signals): void => {
    if (alive) child.kill(name);
  };

  return {
    label,
    child,
    exited,
    running: () => alive,
    logText: () => lines.join('\n'),
    waitForLine(pattern, timeoutMs) {
      const seen = lines.map((l) => pattern.exec(l)).find((m) => m !== null);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = (line: string): void => {
          const match = pattern.exec(line);
          if (!match) return;
          finish();
          done(match);
        };
        const timer = setTimeout(() => {
          finish();
          fail(new Error(`${label}: no line matching ${pattern} within ${timeoutMs} ms\n${tail(lines)}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((how) => {
          if (!waiters.has(waiter)) return;
          finish();
          fail(
            new Error(
              `${label} exited (${how.code ?? how.signal}) before printing ${pattern}\n${tail(lines)}`,
            ),
          );
        });
      });
    },
    async stop(graceMs = 5_000) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
    kill() {
      signal('SIGKILL');
      return exited;
    },
  };
}

/** The last lines of a log, for error messages. */
export function tail(lines: readonly string[] | string, count = 40): string {
  const all = typeof lines === 'string' ? lines.split('\n') : lines;
  return all.slice(-count).join('\n');
}

/** Starts `vifibnet …args` (this checkout's entry point) inside `ns`. */
export function startVifibnet(
  ns: Netns,
  label: string,
  args: readonly string[],
  options?: StartOptions,
): ManagedProcess {
  return startProcess(ns, label, process.execPath, [VIFIBNET_BIN, ...args], options);
}

/** Runs `vifibnet …args` inside `ns` to completion; rejects with its stderr on failure. */
export function runVifibnet(ns: Netns, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return ns.run(process.execPath, [VIFIBNET_BIN, ...args], timeoutMs);
}

/** Everything a mesh started, stopped together. */
export class ProcessSet {
  private readonly processes = new Set<ManagedProcess>();

  /** Tracks `process` until it exits; returns it. */
  add(process: ManagedProcess): ManagedProcess {
    this.processes.add(process);
    void process.exited.then(() => this.processes.delete(process));
    return process;
  }

  /** Stops every tracked process (SIGTERM, SIGKILL after `graceMs`), all at once. */
  async stopAll(graceMs = 3_000): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
  }
}

/** A helper daemon started by {@link startHelper}. */
export interface StartedHelper {
  /** The process. */
  process: ManagedProcess;
  /** Its protocol socket. */
  socket: string;
  /** Its state directory. */
  stateDir: string;
}

/** Resolves once something accepts connections on the Unix socket `path`. */
function socketAccepts(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts `vifibnet helper` in `ns` with its socket `dir/<name>.sock` and state `dir/<name>`,
 * and resolves once the socket accepts connections (after the helper's crash clean-up).
 */
export async function startHelper(
  ns: Netns,
  dir: string,
  name: string,
  extraArgs: readonly string[] = [],
  options?: StartOptions,
): Promise<StartedHelper> {
  const socket = join(dir, `${name}.sock`);
  const stateDir = join(dir, name);
  const helper = startVifibnet(
    ns,
    `helper ${name}`,
    ['helper', '--socket', socket, '--state-dir', stateDir, ...extraArgs],
    options,
  );
  const died = helper.exited.then((how) => {
    throw new Error(`helper ${name} exited (${how.code ?? how.signal}):\n${tail(helper.logText())}`);
  });
  await Promise.race([
    died,
    pollUntil(`helper ${name} to accept connections`, () => socketAccepts(socket), {
      timeoutMs: 20_000,
      intervalMs: 50,
    }),
  ]);
  return { process: helper, socket, stateDir };
}
