/**
 * An open registry: its database, CA, network prefix and the prefix allocator rebuilt from the
 * nodes the database holds. Every registry operation takes one of these.
 */
import { createLogger, type Logger } from '../core/log';
import { BuddyAllocator } from './allocator';
import { getMeta, openDb, type RegistryDb } from './db';
import { parsePrefix, subnet, type Prefix } from './ipv6';
import { certificateFingerprint, type CaBundle } from './pki';

/** An open registry. */
export interface Registry {
  /** The directory holding the database. */
  dir: string;
  /** The database. */
  db: RegistryDb;
  /** The network CA. */
  ca: CaBundle;
  /** SHA-256 of the CA certificate, the value nodes pin. */
  caFingerprint: string;
  /** The network prefix. */
  network: Prefix;
  /** Length of every node prefix. */
  nodePrefixLength: number;
  /** Which node prefixes are taken; unit i is subnet i of the network. */
  allocator: BuddyAllocator;
  /** Current time in ms (injectable for tests). */
  now: () => number;
  /** Logger of the registry. */
  log: Logger;
}

/** Reads a meta value that `registry init` always writes. */
function requiredMeta(db: RegistryDb, key: string, dir: string): string {
  const value = getMeta(db, key);
  if (value === undefined) {
    throw new Error(`the registry in ${dir} is not initialized: run \`vifibnet registry init --dir ${dir}\``);
  }
  return value;
}

/** The node prefix with index `unit` in the registry's network. */
export function unitPrefix(registry: Registry, unit: number): Prefix {
  return subnet(registry.network, registry.nodePrefixLength, unit);
}

/** Opens the initialized registry in `dir`. */
export function openRegistry(dir: string, options: { now?: () => number; log?: Logger } = {}): Registry {
  const db = openDb(dir, { create: false });
  const network = parsePrefix(requiredMeta(db, 'networkPrefix', dir));
  if (!network) throw new Error(`the registry database in ${dir} holds an invalid network prefix`);
  const nodePrefixLength = Number(requiredMeta(db, 'nodePrefixLength', dir));
  const ca = { certPem: requiredMeta(db, 'caCert', dir), privateKeyPem: requiredMeta(db, 'caKey', dir) };
  const allocator = new BuddyAllocator(nodePrefixLength - network.length);
  for (const { unit } of db.prepare('SELECT unit FROM nodes').all() as { unit: number }[]) {
    allocator.reserve({ offset: unit, order: 0 });
  }
  return {
    dir,
    db,
    ca,
    caFingerprint: certificateFingerprint(ca.certPem),
    network,
    nodePrefixLength,
    allocator,
    now: options.now ?? Date.now,
    log: options.log ?? createLogger({ scope: 'registry' }),
  };
}
