/**
 * Who is on the other end of a Unix socket, as the kernel saw it at connect time: SO_PEERCRED
 * through the small native addon built from peercred.c, plus the caller's supplementary groups.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Caller } from '../handlers';

interface PeerCredAddon {
  getPeerCred(fd: number): { pid: number; uid: number; gid: number };
}

/** `(uid_t)-1`: what the kernel reports when a socket carries no credentials. */
const NO_ID = 0xffffffff;

const addon = createRequire(import.meta.url)('./build/Release/peercred.node') as PeerCredAddon;

/**
 * Returns the kernel-verified pid, effective uid and effective gid of the process that connected
 * `socket`. Throws when they cannot be read (socket already closed, not a Unix socket, addon error):
 * the caller must then be refused.
 */
export function peerCredentials(socket: Socket): Caller {
  // Node has no public API for a socket's descriptor; libuv's Pipe handle exposes it as `fd`.
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('the connection has no file descriptor (closed, or not a Unix socket)');
  }
  const { pid, uid, gid } = addon.getPeerCred(fd);
  const ids = [pid, uid, gid];
  if (!ids.every((n) => Number.isInteger(n) && n >= 0) || uid === NO_ID || gid === NO_ID) {
    throw new Error(`SO_PEERCRED returned unusable credentials pid=${pid} uid=${uid} gid=${gid}`);
  }
  return { pid, uid, gid };
}

function idsOf(status: string, field: string): number[] {
  const line = new RegExp(`^${field}:(.*)$`, 'm').exec(status)?.[1] ?? '';
  return line
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

/**
 * Returns the supplementary groups of `caller`'s process from `/proc/<pid>/status`. Returns an
 * empty list when the process is gone, or when that pid now runs with another effective uid or gid
 * than the kernel reported at connect time (the pid was reused, or the process changed identity):
 * only groups that provably belong to the connecting identity are returned.
 */
export async function supplementaryGroups(caller: Caller): Promise<number[]> {
  if (caller.pid <= 0) return [];
  let status: string;
  try {
    status = await readFile(`/proc/${caller.pid}/status`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') {
      return [];
    }
    throw err;
  }
  const [, effectiveUid] = idsOf(status, 'Uid');
  const [, effectiveGid] = idsOf(status, 'Gid');
  if (effectiveUid !== caller.uid || effectiveGid !== caller.gid) return [];
  return idsOf(status, 'Groups').filter((g) => Number.isInteger(g) && g >= 0);
}
