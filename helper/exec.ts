/**
 * The only way the helper runs programs: by absolute path, with an argv array, never through a
 * shell, with a clean environment and a deadline. Lint forbids exec/execSync and turning on the shell option
 * anywhere in helper/; this module is where spawning happens.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { HelperError } from './protocol';

/** iproute2's `ip`. */
export const IP_PATH = '/usr/sbin/ip';
/** OpenVPN 2.6 from the distribution. */
export const OPENVPN_PATH = '/usr/sbin/openvpn';
/** babeld 1.12 from the distribution. */
export const BABELD_PATH = '/usr/sbin/babeld';
/** nftables' `nft` (Debian package nftables). */
export const NFT_PATH = '/usr/sbin/nft';

/** The environment every child gets: nothing inherited from the helper's caller or shell. */
export const CLEAN_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
});

/** Default deadline of {@link runProgram}. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Largest stderr excerpt carried in an `exec_failed` message. */
const STDERR_EXCERPT = 400;

/** Output of a program that exited 0. */
export interface ProgramOutput {
  stdout: string;
  stderr: string;
}

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** Kill the program (SIGKILL) and fail after this many milliseconds. */
  timeoutMs?: number;
}

function assertAbsolute(path: string): void {
  if (!isAbsolute(path)) throw new HelperError('internal', `refusing to run ${path}: not an absolute path`);
}

function excerpt(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > STDERR_EXCERPT ? `${t.slice(0, STDERR_EXCERPT)}…` : t;
}

/**
 * Runs `path` with `args` and resolves with its output once it exits 0. A non-zero exit, a
 * signal, a spawn failure or the deadline rejects with `HelperError('exec_failed')` carrying the
 * program, its arguments and an excerpt of its stderr.
 */
export function runProgram(
  path: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProgramOutput> {
  assertAbsolute(path);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(path, [...args], {
      shell: false,
      env: { ...CLEAN_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const what = `${path} ${args.join(' ')}`;
    child.on('error', (e) => reject(new HelperError('exec_failed', `${what}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const how = signal
        ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}`
        : `exit ${code}`;
      reject(new HelperError('exec_failed', `${what}: ${how}: ${excerpt(stderr) || '(no stderr)'}`));
    });
  });
}

/** A long-running child with its output piped (stdin closed). */
export type PipedChild = ChildProcessByStdio<null, Readable, Readable>;

/**
 * Starts a long-running program by absolute path with a clean environment and piped stdout and
 * stderr, for the supervisor. The caller owns the returned process.
 */
export function spawnProgram(path: string, args: readonly string[]): PipedChild {
  assertAbsolute(path);
  return spawn(path, [...args], { shell: false, env: { ...CLEAN_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
}
