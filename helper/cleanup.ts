/**
 * Removes what a previous helper instance left behind after a crash, using its state file: its
 * children (only after /proc/PID/cmdline proves the pid is still that program with that
 * config), the devices it created, its address and unreachable route, its socket files.
 */
import { readFile, rm } from 'node:fs/promises';
import type { Logger } from './log';
import { deleteLink, removeAddress, removeUnreachable, tuntapMode } from './net/ip';
import type { ChildRecordT, PersistedStateT } from './state';

/** How long a stale child gets to exit after SIGTERM before SIGKILL. */
const STALE_CHILD_GRACE_MS = 3_000;

/** The argv of a live process, or null when it is gone or unreadable. */
export async function processArgv(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`);
    if (raw.length === 0) return null; // zombie or kernel thread
    return raw.toString('utf8').replace(/\0$/, '').split('\0');
  } catch {
    return null;
  }
}

/** True when `pid` is still the child that `record` describes (same program, same config). */
export async function isRecordedChild(record: ChildRecordT): Promise<boolean> {
  const argv = await processArgv(record.pid);
  return argv !== null && argv[0] === record.path && argv.includes(record.config);
}

async function waitGone(pid: number, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if ((await processArgv(pid)) === null) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return (await processArgv(pid)) === null;
}

/** Stops a recorded child if it is still running (SIGTERM, then SIGKILL); true when one was stopped. */
export async function stopRecordedChild(record: ChildRecordT, logger: Logger): Promise<boolean> {
  if (!(await isRecordedChild(record))) return false;
  logger.warn(`stopping leftover ${record.program}`, { name: record.name, pid: record.pid });
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch {
    return false;
  }
  if (await waitGone(record.pid, STALE_CHILD_GRACE_MS)) return true;
  if (await isRecordedChild(record)) process.kill(record.pid, 'SIGKILL');
  await waitGone(record.pid, STALE_CHILD_GRACE_MS);
  return true;
}

/** Removes every leftover of `state`; failures are logged, never thrown, so start-up goes on. */
export async function cleanupLeftovers(state: PersistedStateT, logger: Logger): Promise<void> {
  await logger.step('Removing leftovers of a previous helper', async () => {
    const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
      try {
        await action();
      } catch (err) {
        logger.warn(`could not remove leftover ${what}: ${(err as Error).message}`);
      }
    };
    // children first: babeld, on SIGTERM, removes its own routes and restores its sysctls
    for (const child of state.children)
      await attempt(`${child.program} ${child.pid}`, () => stopRecordedChild(child, logger));
    for (const dev of state.devices) {
      await attempt(`device ${dev.name}`, async () => {
        // only a tun/tap device of that name: never some other interface that took the name since
        if ((await tuntapMode(dev.name)) !== null) await deleteLink(dev.name);
      });
    }
    const net = state.network;
    if (net) {
      await attempt(`address ${net.address}`, () => removeAddress('lo', net.address, net.nodeLength));
      await attempt(`route ${net.networkPrefix}`, () => removeUnreachable(net.networkPrefix));
    }
    for (const socket of state.sockets) await attempt(`socket ${socket}`, () => rm(socket, { force: true }));
  });
}
