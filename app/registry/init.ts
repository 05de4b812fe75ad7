/**
 * `vifibnet registry init`: creates the CA, chooses the network prefix, stores the network
 * config (version 1) and the settings, and makes the admin credential — all in one
 * transaction, so an interrupted init leaves nothing half made and can simply be run again.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes, randomFillSync } from 'node:crypto';
import { MAX_BITS } from './allocator';
import { getMeta, openDb, setMeta } from './db';
import { formatPrefix, parsePrefix, randomUlaPrefix } from './ipv6';
import { publishConfig } from './config-store';
import { DEFAULT_PARAMETERS, type NetworkParametersT } from './network-config';
import { certificateFingerprint, createCa } from './pki';
import { hashSecret, newSecret } from './secrets';
import { writeSettings, type RegistrySettingsT } from './settings';

/** Lifetime of the network CA, in days. */
export const CA_VALID_DAYS = 3650;

/** Options of {@link initRegistry}. */
export interface InitOptions {
  /** Network prefix; a random RFC 4193 ULA /48 when omitted. */
  networkPrefix?: string;
  /** Length of each node's prefix; 64 when omitted. */
  nodePrefixLength?: number;
  /** Network parameters differing from the defaults. */
  parameters?: Partial<NetworkParametersT>;
  /** Registry settings differing from the defaults. */
  settings?: Partial<RegistrySettingsT>;
}

/** What init made. */
export interface InitResult {
  /** The network prefix, canonical. */
  networkPrefix: string;
  /** Length of node prefixes. */
  nodePrefixLength: number;
  /** SHA-256 of the CA certificate (hex): give it to nodes with their token. */
  caFingerprint: string;
  /** Admin credential for the HTTP admin API; shown once, stored only hashed. */
  adminCredential: string;
}

/** Initializes a registry in `dir` (created 0700). Refuses a directory that already holds one. */
export async function initRegistry(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const network = options.networkPrefix
    ? parsePrefix(options.networkPrefix)
    : randomUlaPrefix((n) => randomFillSync(new Uint8Array(n)));
  if (!network)
    throw new Error(`'${options.networkPrefix}' is not an IPv6 prefix such as fd12:3456:789a::/48`);
  const nodePrefixLength = options.nodePrefixLength ?? 64;
  const bits = nodePrefixLength - network.length;
  if (!Number.isInteger(nodePrefixLength) || nodePrefixLength > 128 || bits < 1 || bits > MAX_BITS) {
    throw new Error(
      `node prefix length ${nodePrefixLength} does not fit network ${formatPrefix(network)}: it must be longer than /${network.length} by 1-${MAX_BITS} bits and at most 128`,
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = openDb(dir, { create: true });
  try {
    if (getMeta(db, 'networkPrefix') !== undefined) throw new Error(`${dir} already holds a registry`);
    const ca = await createCa({
      commonName: `vifibnet ${formatPrefix(network)} ${randomBytes(4).toString('hex')}`,
      validDays: CA_VALID_DAYS,
    });
    const adminCredential = newSecret('vfa_');
    const now = Date.now();
    db.transaction(() => {
      setMeta(db, 'networkPrefix', formatPrefix(network));
      setMeta(db, 'nodePrefixLength', String(nodePrefixLength));
      setMeta(db, 'caCert', ca.certPem);
      setMeta(db, 'caKey', ca.privateKeyPem);
      setMeta(db, 'adminHash', hashSecret(adminCredential));
      writeSettings(db, options.settings ?? {});
      publishConfig(db, ca.privateKeyPem, {}, now, {
        ...DEFAULT_PARAMETERS,
        ...options.parameters,
        networkPrefix: formatPrefix(network),
        nodePrefixLength,
      });
    }).immediate();
    return {
      networkPrefix: formatPrefix(network),
      nodePrefixLength,
      caFingerprint: certificateFingerprint(ca.certPem),
      adminCredential,
    };
  } finally {
    db.close();
  }
}
