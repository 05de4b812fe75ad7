/**
 * Test support: a real registry process (`node bin/vifibnet.mjs registry serve`) on loopback,
 * the CLI as a child process, and the admin API. Every process started here is killed by the
 * caller's `finally` (or `stop()`), every directory is a fresh temp directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/vifibnet.mjs');

/** A fresh temporary directory. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `vfb-${label}-`));
}

/** Removes a temporary directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Output of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vifibnet …args` to completion (deadline 60 s). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** What `registry init --json` printed. */
export interface InitInfo {
  dir: string;
  networkPrefix: string;
  nodePrefixLength: number;
  caFingerprint: string;
  adminCredential: string;
}

/** Runs `registry init` into `dir` with extra arguments. */
export async function initRegistryDir(dir: string, extra: string[] = []): Promise<InitInfo> {
  const result = await runCli(['registry', 'init', '--dir', dir, '--json', ...extra]);
  if (result.code !== 0) throw new Error(`registry init failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as InitInfo;
}

/** A running registry process. */
export interface RegistryProcess {
  /** Base URL, from the `listening on URL` line. */
  url: string;
  child: ChildProcess;
  /** Everything it logged so far. */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill9(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

/** Starts `registry serve --dir dir` on 127.0.0.1 with a free port; resolves once it listens. */
export async function startRegistry(dir: string, extra: string[] = []): Promise<RegistryProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'registry', 'serve', '--dir', dir, '--host', '127.0.0.1', '--port', '0', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`registry did not start within 20 s:\n${log}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`registry exited with ${code} before listening:\n${log}`));
    });
  });
  let expectedExit = false;
  return {
    url,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (!expectedExit)
          throw new Error(
            `the registry died during the test (${child.exitCode ?? child.signalCode}):\n${log}`,
          );
        return;
      }
      expectedExit = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(timer);
    },
    async kill9() {
      expectedExit = true;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}

/** Calls the admin API with the admin credential. */
export async function adminCall<T>(
  url: string,
  credential: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}/v1/admin/${path}`, {
    method,
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Creates `count` tokens through the admin API; returns the secrets. */
export async function createTokens(
  url: string,
  credential: string,
  count: number,
  ttlSeconds?: number,
): Promise<string[]> {
  const { status, body } = await adminCall<{ tokens: { token: string }[] }>(
    url,
    credential,
    'POST',
    'tokens',
    {
      count,
      ttlSeconds,
    },
  );
  if (status !== 201) throw new Error(`token creation failed: ${JSON.stringify(body)}`);
  return body.tokens.map((t) => t.token);
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
