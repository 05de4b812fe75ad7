/** The admin's view of the enrolled nodes. */
import { AddressRecord, type EndpointT } from './protocol';
import type { Registry } from './registry';
import { readSettings } from './settings';

/** One node as `registry node list` shows it. */
export interface NodeInfo {
  /** The node's prefix. */
  prefix: string;
  /** Its name (certificate common name). */
  name: string;
  /** `revoked` by the admin, `expired` when no certificate is valid any more, else `active`. */
  status: 'active' | 'revoked' | 'expired';
  /** Serial number of its newest certificate. */
  serial: string;
  /** End of validity of its newest certificate, ISO 8601. */
  notAfter: string;
  /** When it enrolled, ISO 8601. */
  enrolledAt: string;
  /** When it last announced itself, ISO 8601, or null. */
  lastSeen: string | null;
  /** True when it announced within the peer timeout (only those are handed out by bootstrap). */
  reachable: boolean;
  /** Where its last address record says it can be reached. */
  endpoints: EndpointT[];
}

interface NodeRow {
  prefix: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
  serial: string;
  not_after: number;
  last_seen: number | null;
  payload: string | null;
}

/** Every node on record, by prefix. */
export function listNodes(registry: Registry): NodeInfo[] {
  const now = registry.now();
  const { peerTimeout } = readSettings(registry.db);
  const rows = registry.db
    .prepare(
      `SELECT n.prefix, n.name, n.created_at, n.revoked_at, c.serial, max(c.not_after) AS not_after,
              p.last_seen, p.payload
       FROM nodes n JOIN certificates c USING (prefix) LEFT JOIN peers p USING (prefix)
       GROUP BY n.prefix ORDER BY n.unit`,
    )
    .all() as NodeRow[];
  return rows.map((row) => {
    const record = row.payload === null ? null : AddressRecord.safeParse(JSON.parse(row.payload));
    return {
      prefix: row.prefix,
      name: row.name,
      status: row.revoked_at !== null ? 'revoked' : row.not_after <= now ? 'expired' : 'active',
      serial: row.serial,
      notAfter: new Date(row.not_after).toISOString(),
      enrolledAt: new Date(row.created_at).toISOString(),
      lastSeen: row.last_seen === null ? null : new Date(row.last_seen).toISOString(),
      reachable: row.last_seen !== null && row.last_seen >= now - peerTimeout * 1000,
      endpoints: record?.success ? record.data.endpoints : [],
    };
  });
}
