/**
 * The peer table: the newest signed address record of each node, with the time the registry
 * last heard from it. Bootstrap hands out records of peers seen within the peer timeout, never
 * of revoked or expired ones; the sweep removes those and releases the prefixes of nodes
 * whose certificates have all expired.
 */
import { RegistryError } from './errors';
import { formatPrefix, parsePrefix } from './ipv6';
import { AddressRecord, BootstrapPayload, type SignedEnvelopeT } from './protocol';
import type { Registry } from './registry';
import { readSettings } from './settings';
import { authenticate } from './signed-request';

/** Stores a node's own signed address record. */
export function announce(
  registry: Registry,
  envelope: SignedEnvelopeT,
): { prefix: string; lastSeen: string } {
  const { signer, payload } = authenticate(registry, envelope, AddressRecord);
  if (formatPrefix(parsePrefix(payload.prefix)!) !== signer.prefix) {
    throw new RegistryError(
      'prefix_mismatch',
      `the record announces ${payload.prefix} but is signed by node ${signer.name}, which holds ${signer.prefix}`,
    );
  }
  const now = registry.now();
  registry.db
    .transaction(() => {
      const previous = registry.db
        .prepare('SELECT record_time FROM peers WHERE prefix = ?')
        .get(signer.prefix) as { record_time: number } | undefined;
      if (previous && previous.record_time >= payload.timestamp) {
        throw new RegistryError(
          'stale_record',
          `a record of ${signer.prefix} made at ${new Date(previous.record_time).toISOString()} is already stored; this one is not newer`,
        );
      }
      registry.db
        .prepare(
          `INSERT INTO peers (prefix, serial, payload, signature, record_time, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (prefix) DO UPDATE SET serial = excluded.serial, payload = excluded.payload,
           signature = excluded.signature, record_time = excluded.record_time, last_seen = excluded.last_seen`,
        )
        .run(signer.prefix, signer.serial, envelope.payload, envelope.signature, payload.timestamp, now);
    })
    .immediate();
  return { prefix: signer.prefix, lastSeen: new Date(now).toISOString() };
}

/** Signed address records of up to `count` live peers other than the asking node, in random order. */
export function bootstrap(registry: Registry, envelope: SignedEnvelopeT): { peers: SignedEnvelopeT[] } {
  const { signer, payload } = authenticate(registry, envelope, BootstrapPayload);
  const now = registry.now();
  const { peerTimeout } = readSettings(registry.db);
  const peers = registry.db
    .prepare(
      `SELECT c.pem AS cert, p.payload AS payload, p.signature AS signature
       FROM peers p JOIN certificates c ON c.serial = p.serial JOIN nodes n ON n.prefix = p.prefix
       WHERE p.last_seen >= ? AND p.prefix <> ? AND c.revoked_at IS NULL AND n.revoked_at IS NULL AND c.not_after > ?
       ORDER BY random() LIMIT ?`,
    )
    .all(now - peerTimeout * 1000, signer.prefix, now, payload.count) as SignedEnvelopeT[];
  return { peers };
}

/**
 * Drops address records signed by revoked or expired certificates and releases the prefixes
 * of nodes whose certificates have all expired (revoked ones included), in one transaction,
 * then frees those prefixes in the allocator.
 */
export function sweep(registry: Registry): { recordsRemoved: number; prefixesReleased: string[] } {
  const now = registry.now();
  const released = registry.db
    .transaction(() => {
      const { changes } = registry.db
        .prepare(
          `DELETE FROM peers WHERE serial IN
           (SELECT serial FROM certificates WHERE revoked_at IS NOT NULL OR not_after <= ?)`,
        )
        .run(now);
      const gone = registry.db
        .prepare(
          `SELECT prefix, unit FROM nodes n WHERE NOT EXISTS
           (SELECT 1 FROM certificates c WHERE c.prefix = n.prefix AND c.not_after > ?)`,
        )
        .all(now) as { prefix: string; unit: number }[];
      const remove = registry.db.prepare('DELETE FROM nodes WHERE prefix = ?');
      for (const node of gone) remove.run(node.prefix);
      return { recordsRemoved: changes, gone };
    })
    .immediate();
  for (const node of released.gone) registry.allocator.free({ offset: node.unit, order: 0 });
  if (released.recordsRemoved || released.gone.length) {
    registry.log.info('Swept peer table', {
      records: released.recordsRemoved,
      released: released.gone.length,
    });
  }
  return { recordsRemoved: released.recordsRemoved, prefixesReleased: released.gone.map((n) => n.prefix) };
}
