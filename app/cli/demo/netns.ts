/**
 * Network-namespace primitives for the demo mesh (and the tests built on them): uniquely named
 * namespaces, veth pairs with addresses, running programs inside a namespace, polling with a
 * deadline, and clean-up that leaves nothing behind (processes in the namespace are killed, then
 * it is deleted). Needs root. Every program runs by absolute path with an argv array.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** iproute2. */
export const IP = '/usr/sbin/ip';

/** Output of a finished program. */
export interface ExecResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` and resolves with its output whatever the exit code. */
export function execCapture(file: string, args: readonly string[], timeoutMs = 15_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs `file args`; rejects with its stderr when it exits non-zero. */
export async function execOk(file: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await execCapture(file, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A short random lowercase hex suffix (names must fit IFNAMSIZ: keep prefixes short). */
export function randomSuffix(bytes = 3): string {
  return randomBytes(bytes).toString('hex');
}

/** A network namespace created by this process (deleted by {@link Netns.destroy}). */
export interface Netns {
  /** Its name (unique per run). */
  readonly name: string;
  /** Runs a program inside the namespace; resolves with its output whatever the exit code. */
  exec(file: string, args: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** Runs a program inside the namespace; rejects when it exits non-zero. */
  run(file: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Starts a long-running program inside the namespace (the caller owns it). */
  spawn(file: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** `ip …` inside the namespace. */
  ip(...args: string[]): Promise<string>;
  /** Pids of every process inside the namespace. */
  pids(): Promise<number[]>;
  /** Kills every process in the namespace (SIGKILL) and deletes it. Idempotent, never throws. */
  destroy(): Promise<void>;
}

/** Creates a uniquely named namespace (`<prefix>-<random>`) with `lo` up. */
export async function createNetns(prefix = 'vfbt'): Promise<Netns> {
  const name = `${prefix}-${randomSuffix(4)}`;
  await execOk(IP, ['netns', 'add', name]);
  const ns: Netns = {
    name,
    exec: (file, args, timeoutMs) => execCapture(IP, ['netns', 'exec', name, file, ...args], timeoutMs),
    run: (file, args, timeoutMs) => execOk(IP, ['netns', 'exec', name, file, ...args], timeoutMs),
    spawn: (file, args, options = {}) =>
      spawn(IP, ['netns', 'exec', name, file, ...args], { shell: false, ...options }),
    ip: (...args) => execOk(IP, ['-n', name, ...args]),
    async pids() {
      const r = await execCapture(IP, ['netns', 'pids', name]);
      return r.stdout
        .split('\n')
        .filter((l) => /^\d+$/.test(l.trim()))
        .map(Number);
    },
    async destroy() {
      for (let i = 0; i < 50; i++) {
        const pids = await ns.pids();
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        await sleepBriefly();
      }
      await execCapture(IP, ['netns', 'del', name]);
    },
  };
  await ns.ip('link', 'set', 'lo', 'up');
  return ns;
}

function sleepBriefly(): Promise<void> {
  return new Promise((r) => setTimeout(r, 20));
}

/** One end of a veth pair. */
export interface VethEnd {
  /** Namespace of this end. */
  ns: Netns;
  /** Device name (≤ 15 characters). */
  dev: string;
  /** Address with prefix length, e.g. `198.18.0.1/30` or `fd00:1::1/64`; none on a bridge port. */
  address?: string;
}

/**
 * Joins two namespaces with a veth pair, gives each end its address (if any) and sets both up.
 * `names` default to `veth-<random>a` / `…b`.
 */
export async function createVethPair(
  a: { ns: Netns; address?: string },
  b: { ns: Netns; address?: string },
  names?: { a: string; b: string },
): Promise<[VethEnd, VethEnd]> {
  const s = randomSuffix(3);
  const devA = names?.a ?? `veth${s}a`;
  const devB = names?.b ?? `veth${s}b`;
  await execOk(IP, [
    'link',
    'add',
    devA,
    'netns',
    a.ns.name,
    'type',
    'veth',
    'peer',
    'name',
    devB,
    'netns',
    b.ns.name,
  ]);
  for (const [ns, dev, address] of [
    [a.ns, devA, a.address],
    [b.ns, devB, b.address],
  ] as const) {
    if (address !== undefined) await ns.ip('addr', 'add', address, 'dev', dev);
    await ns.ip('link', 'set', dev, 'up');
  }
  return [
    { ns: a.ns, dev: devA, address: a.address },
    { ns: b.ns, dev: devB, address: b.address },
  ];
}

/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Delay between attempts. */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than `undefined`/`false`/`null`, and resolves with
 * it; rejects after the deadline with `what` and the last error or value seen.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: PollOptions,
): Promise<T> {
  const until = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/** Names of the links in a namespace. */
export async function linkNames(ns: Netns): Promise<string[]> {
  const out = await ns.ip('-j', 'link', 'show');
  return (JSON.parse(out) as Array<{ ifname: string }>).map((l) => l.ifname);
}
