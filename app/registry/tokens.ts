/**
 * Enrolment tokens: single-use, expiring bearer secrets an admin hands to a new node. Only
 * their hash is stored; the id (the first 16 hex digits of the hash) names them in lists.
 */
import { RegistryError } from './errors';
import type { Registry } from './registry';
import { hashSecret, newSecret } from './secrets';

/** Default token lifetime: one week. */
export const DEFAULT_TOKEN_TTL_S = 7 * 86_400;

/** A token as the admin lists it (never the secret itself). */
export interface TokenInfo {
  /** Short id, for `token revoke`. */
  id: string;
  /** Address the token was mailed to, if any. */
  email: string | null;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  expiresAt: string;
  /** State at the time of listing. */
  status: 'unused' | 'used' | 'expired' | 'revoked';
  /** Prefix of the node that enrolled with it. */
  usedBy: string | null;
}

/** A freshly created token: the only time the secret is known. */
export interface NewToken {
  /** The secret to hand to the node. */
  token: string;
  /** Short id. */
  id: string;
  /** ISO 8601. */
  expiresAt: string;
}

interface TokenRow {
  id: string;
  email: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
  revoked_at: number | null;
}

function statusOf(row: TokenRow, now: number): TokenInfo['status'] {
  if (row.used_at !== null) return 'used';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'unused';
}

function toInfo(row: TokenRow, now: number): TokenInfo {
  return {
    id: row.id,
    email: row.email,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    status: statusOf(row, now),
    usedBy: row.used_by,
  };
}

/** Creates `count` tokens valid for `ttlSeconds`, in one transaction. */
export function createTokens(
  registry: Registry,
  options: { count: number; ttlSeconds: number; email?: string },
): NewToken[] {
  const now = registry.now();
  const expiresAt = now + options.ttlSeconds * 1000;
  const insert = registry.db.prepare(
    'INSERT INTO tokens (id, hash, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  return registry.db.transaction(() =>
    Array.from({ length: options.count }, () => {
      const token = newSecret('vfb_');
      const hash = hashSecret(token);
      insert.run(hash.slice(0, 16), hash, options.email ?? null, now, expiresAt);
      return { token, id: hash.slice(0, 16), expiresAt: new Date(expiresAt).toISOString() };
    }),
  )();
}

/** Every token, newest first. */
export function listTokens(registry: Registry): TokenInfo[] {
  const rows = registry.db.prepare('SELECT * FROM tokens ORDER BY created_at DESC, id').all() as TokenRow[];
  return rows.map((row) => toInfo(row, registry.now()));
}

/** Deletes a token so that it can never be used; refuses one already used. */
export function revokeToken(registry: Registry, id: string): TokenInfo {
  return registry.db.transaction(() => {
    const row = registry.db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (!row)
      throw new RegistryError('token_not_found', `no token has id ${id}; \`registry token list\` shows them`);
    if (row.used_at !== null) {
      throw new RegistryError(
        'token_used',
        `token ${id} was already used by node ${row.used_by}; revoke the node instead`,
      );
    }
    registry.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(registry.now(), id);
    return toInfo({ ...row, revoked_at: row.revoked_at ?? registry.now() }, registry.now());
  })();
}

/** Id of `token` if it can enrol a node now; otherwise throws saying why not. */
export function usableToken(registry: Registry, token: string): string {
  const row = registry.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hashSecret(token)) as
    TokenRow | undefined;
  if (!row)
    throw new RegistryError(
      'token_unknown',
      'this token is not known to the registry: check that it was copied whole',
    );
  switch (statusOf(row, registry.now())) {
    case 'used':
      throw new RegistryError(
        'token_used',
        'this token was already used to enrol a node; tokens work once: ask the admin for a new one',
      );
    case 'revoked':
      throw new RegistryError('token_revoked', 'this token was revoked by the admin; ask for a new one');
    case 'expired':
      throw new RegistryError(
        'token_expired',
        `this token expired at ${new Date(row.expires_at).toISOString()}; ask the admin for a new one`,
      );
    case 'unused':
      return row.id;
  }
}

/** Marks a token used by `prefix`. Call inside the transaction that records the node. */
export function consumeToken(registry: Registry, id: string, prefix: string): void {
  const result = registry.db
    .prepare('UPDATE tokens SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL')
    .run(registry.now(), prefix, id);
  if (result.changes !== 1)
    throw new RegistryError('token_used', 'this token was used by another request just now');
}
