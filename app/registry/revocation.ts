/**
 * Revocation: a revoked node's certificates go on the CRL, its address record leaves the peer
 * table at once, and its prefix stays taken until its last certificate expires (then the
 * sweep in peers.ts releases it), so no live certificate ever names a prefix someone else holds.
 */
import { RegistryError } from './errors';
import { formatPrefix, parsePrefix } from './ipv6';
import { parseNodeName } from './node-name';
import { createCrl } from './pki';
import type { Registry } from './registry';

/** A CRL is valid this long; nodes fetch a new one well before. */
export const CRL_VALID_DAYS = 7;

/** Canonical prefix of a node given by prefix (`fd12:…:1::/64`) or by name (`fd12…0001-64`). */
function canonicalNode(node: string): string {
  const prefix = parsePrefix(node) ?? parseNodeName(node);
  if (!prefix) {
    throw new RegistryError(
      'invalid_request',
      `'${node}' is neither a node prefix (fd12:3456:789a:1::/64) nor a node name`,
    );
  }
  return formatPrefix(prefix);
}

/** Revokes a node and all its certificates. */
export function revokeNode(
  registry: Registry,
  node: string,
): { prefix: string; name: string; certificates: number } {
  const prefix = canonicalNode(node);
  const now = registry.now();
  return registry.db
    .transaction(() => {
      const row = registry.db.prepare('SELECT name FROM nodes WHERE prefix = ?').get(prefix) as
        { name: string } | undefined;
      if (!row)
        throw new RegistryError(
          'node_unknown',
          `no node holds ${prefix}; \`registry node list\` shows the nodes`,
        );
      registry.db
        .prepare('UPDATE nodes SET revoked_at = coalesce(revoked_at, ?) WHERE prefix = ?')
        .run(now, prefix);
      const { changes } = registry.db
        .prepare('UPDATE certificates SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL')
        .run(now, prefix);
      registry.db.prepare('DELETE FROM peers WHERE prefix = ?').run(prefix);
      registry.log.info('Revoked node', { name: row.name, prefix, certificates: changes });
      return { prefix, name: row.name, certificates: changes };
    })
    .immediate();
}

/** The CA's current CRL (PEM) listing every revoked certificate not yet expired. */
export async function currentCrl(registry: Registry): Promise<{ crl: string; revoked: number }> {
  const now = registry.now();
  const rows = registry.db
    .prepare(
      'SELECT serial, revoked_at FROM certificates WHERE revoked_at IS NOT NULL AND not_after > ? ORDER BY serial',
    )
    .all(now) as { serial: string; revoked_at: number }[];
  const crl = await createCrl(
    registry.ca,
    rows.map((r) => ({ serialNumber: r.serial, revokedAt: new Date(r.revoked_at) })),
    { thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + CRL_VALID_DAYS * 86_400_000) },
  );
  return { crl, revoked: rows.length };
}
