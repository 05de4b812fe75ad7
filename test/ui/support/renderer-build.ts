/**
 * The built renderer for the UI tests: `node run --ui` serves dist/renderer, which nothing else
 * builds before `npm test` (CI runs lint, typecheck and the tests on a fresh clone). The suite
 * calls {@link ensureRendererBuilt} first: when dist/renderer/index.html is missing or older than
 * anything the bundle is made of (renderer/, app/ipc/, the lock file), it runs `vite build` with
 * the renderer's config, as `npm run build:renderer` does.
 *
 * UI test files may run in parallel: the build holds an exclusive lock file, so one file builds
 * while any other waits, then finds the build fresh. A lock left by a dead process is taken over.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pollUntil } from '../../../app/cli/demo/netns';

/** The checkout. */
const ROOT = resolve(import.meta.dirname, '../../..');
/** What the build writes last-checked: its page. */
const BUILT_PAGE = join(ROOT, 'dist/renderer/index.html');
/** What the bundle is made of. */
const SOURCES = ['renderer', 'app/ipc', 'package-lock.json'].map((p) => join(ROOT, p));
/** The lock, beside the build. */
const LOCK = join(ROOT, 'dist/.renderer-build.lock');
/** Longest build (measured: ≈ 5 s on two cores) or wait for another file's. */
const BUILD_TIMEOUT_MS = 180_000;

/** Newest modification time under `path` (a file or a directory), in ms. */
function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), 0);
}

/** True when the built page exists and is newer than every source. */
export function rendererBuildIsFresh(): boolean {
  let built: number;
  try {
    built = statSync(BUILT_PAGE).mtimeMs;
  } catch {
    return false;
  }
  return SOURCES.every((source) => newestMtime(source) <= built);
}

/** True when process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock: true if taken, false if a live process holds it (a dead one's is removed). */
function tryLock(): boolean {
  mkdirSync(dirname(LOCK), { recursive: true });
  try {
    writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(readFileSync(LOCK, { encoding: 'utf8', flag: 'r' }).trim());
  if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
  rmSync(LOCK, { force: true });
  return false;
}

/** `vite build --config renderer/vite.config.ts`, in a process of its own with a production environment. */
function viteBuild(): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  // vitest sets NODE_ENV=test; a build must not inherit it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('VITEST')),
  );
  const args = [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: BUILD_TIMEOUT_MS }, (err, _out, stderr) =>
      err ? fail(new Error(`vite build of the renderer failed: ${err.message}\n${stderr}`)) : done(),
    );
  });
}

/** Builds dist/renderer unless it is fresh; resolves with what it did. */
export async function ensureRendererBuilt(): Promise<'fresh' | 'built'> {
  if (rendererBuildIsFresh()) return 'fresh';
  await pollUntil('the renderer build lock', () => tryLock(), {
    timeoutMs: BUILD_TIMEOUT_MS,
    intervalMs: 200,
  });
  try {
    if (rendererBuildIsFresh()) return 'fresh';
    await viteBuild();
    if (!rendererBuildIsFresh()) throw new Error(`vite build left ${BUILT_PAGE} missing or stale`);
    return 'built';
  } finally {
    rmSync(LOCK, { force: true });
  }
}
