/**
 * Who may use the helper's sockets. One policy, applied to the protocol socket and to the
 * read-only babeld socket alike: root, the `--allow-uid` users, and members (primary or
 * supplementary) of the `--allow-group` groups, all judged on kernel-verified credentials.
 */
import type { Caller } from './handlers';
import { supplementaryGroups } from './peercred';

/** The allowed callers besides root. */
export interface AccessPolicy {
  /** uids served besides root (0 is always allowed). */
  allowUids: readonly number[];
  /** gids served: a caller whose primary or supplementary group is listed is served. */
  allowGids: readonly number[];
}

/** True when `caller` may use the helper under `policy`. */
export async function isCallerAllowed(caller: Caller, policy: AccessPolicy): Promise<boolean> {
  const { allowUids, allowGids } = policy;
  if (caller.uid === 0 || allowUids.includes(caller.uid) || allowGids.includes(caller.gid)) return true;
  if (allowGids.length === 0) return false;
  const groups = await supplementaryGroups(caller);
  return groups.some((g) => allowGids.includes(g));
}

/** What a refused caller is told: who it is and how to get access. */
export function refusalMessage(caller: Caller): string {
  return (
    `uid ${caller.uid} (gid ${caller.gid}) may not use the vifibnet helper. To allow this user, ` +
    `start the helper with --allow-uid ${caller.uid}, or add the user to a group the helper serves ` +
    `(--allow-group) and log in again.`
  );
}
