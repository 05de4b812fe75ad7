/** Command line of `vifibnet helper`, parsed with node:util's parseArgs. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STATE_DIR, runDirOf } from './paths';
import { DEFAULT_SOCKET_PATH } from './protocol';

/** Group that may use the helper socket when it exists on the machine. */
export const SOCKET_GROUP_NAME = 'vifibnet';

/** Usage text. */
export const HELPER_USAGE = `usage: vifibnet helper [options]   (as root)

  --socket PATH          protocol socket (default ${DEFAULT_SOCKET_PATH})
  --allow-uid UID        also serve this user id (repeatable; root is always served)
  --allow-group NAME|GID also serve members of this group (repeatable)
  --state-dir DIR        root-only state (default ${DEFAULT_STATE_DIR})
  --run-dir DIR          directory of the sockets (default: the socket's directory)
  -h, --help             this text
`;

/** Parsed options. */
export interface HelperOptions {
  /** Absolute socket path. */
  socket: string;
  /** Allowed uids besides root. */
  allowUids: number[];
  /** Allowed gids. */
  allowGids: number[];
  /** Absolute state directory. */
  stateDir: string;
  /** Absolute run directory. */
  runDir: string;
  /** Only print usage. */
  help: boolean;
}

/** A command-line error (exit code 2). */
export class UsageError extends Error {}

/** Parses /etc/group text into name → gid. Pure. */
export function parseGroupFile(text: string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid !== undefined && /^\d+$/.test(gid)) groups.set(name, Number(gid));
  }
  return groups;
}

/** Reads the system's groups (no getent: /etc/group only). */
export function readGroups(path = '/etc/group'): Map<string, number> {
  try {
    return parseGroupFile(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

/** Parses /etc/passwd text into uid → primary gid. Pure. */
export function parsePasswdFile(text: string): Map<number, number> {
  const users = new Map<number, number>();
  for (const line of text.split('\n')) {
    const [, , uid, gid] = line.split(':');
    if (uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid)) users.set(Number(uid), Number(gid));
  }
  return users;
}

/** Reads the system's users' primary groups (no getent: /etc/passwd only). */
export function readPrimaryGids(path = '/etc/passwd'): Map<number, number> {
  try {
    return parsePasswdFile(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

/**
 * The group given to the run directory and the sockets: `vifibnet` when it exists, else the
 * first `--allow-group`, else the primary group of the first `--allow-uid` (so that user can
 * reach the sockets through the 0750 directory); undefined leaves them root's.
 */
export function socketGroupFor(
  options: Pick<HelperOptions, 'allowUids' | 'allowGids'>,
  groups: Map<string, number>,
  primaryGids: Map<number, number>,
): number | undefined {
  const firstUid = options.allowUids[0];
  return (
    groups.get(SOCKET_GROUP_NAME) ??
    options.allowGids[0] ??
    (firstUid === undefined ? undefined : primaryGids.get(firstUid))
  );
}

function id(kind: string, text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xfffffffe)
    throw new UsageError(`${kind} must be a numeric id, not '${text}'`);
  return Number(text);
}

/** Parses `args` (after `helper`); throws {@link UsageError} with a clear message. */
export function parseHelperArgs(args: string[], groups: Map<string, number> = readGroups()): HelperOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        socket: { type: 'string' },
        'allow-uid': { type: 'string', multiple: true },
        'allow-group': { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'run-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const socket = resolve(values.socket ?? DEFAULT_SOCKET_PATH);
  if (Buffer.byteLength(socket) > 100)
    throw new UsageError(`socket path too long for a Unix socket: ${socket}`);
  const allowGids = (values['allow-group'] ?? []).map((g) => {
    if (/^\d+$/.test(g)) return id('--allow-group', g);
    const gid = groups.get(g);
    if (gid === undefined) throw new UsageError(`--allow-group: no group named '${g}' in /etc/group`);
    return gid;
  });
  const abs = (flag: string, p: string | undefined, dflt: string): string => {
    const v = p ?? dflt;
    if (p !== undefined && !isAbsolute(p) && p.trim() === '')
      throw new UsageError(`${flag} needs a directory`);
    return resolve(v);
  };
  return {
    socket,
    allowUids: (values['allow-uid'] ?? []).map((u) => id('--allow-uid', u)),
    allowGids,
    stateDir: abs('--state-dir', values['state-dir'], DEFAULT_STATE_DIR),
    runDir: abs('--run-dir', values['run-dir'], runDirOf(socket)),
    help: values.help ?? false,
  };
}
