/**
 * What `vifibnet node enroll` left in the state directory, loaded and checked before the node
 * runs: key, certificate, CA, the node record, and the network config — whose CA signature is
 * checked again, so a config edited on disk is refused.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { verifyConfig, type NetworkConfigT } from '../../registry/network-config';
import { canonicalSerial } from '../../registry/pki';
import { z } from 'zod';
import { readStateFile, readStoredConfig, STATE_FILES, type NodeRecordT } from '../registry-client/state-dir';
import { canonicalPrefix, nodeAddress } from './addressing';

/** Files the node itself adds to the state directory. */
export const NODE_FILES = {
  /** The peer DB. */
  peers: 'peers.sqlite',
  /** The control socket `vifibnet status` reads. */
  control: 'node.sock',
  /** The last revocation list fetched from the registry (used when it is unreachable). */
  crl: 'crl.pem',
} as const;

/** The fields of `node.json` the node reads, checked (the registry client writes the file). */
const NodeRecordFields = z.object({
  registry: z.string(),
  prefix: z.string(),
  name: z.string(),
}) satisfies z.ZodType<Pick<NodeRecordT, 'registry' | 'prefix' | 'name'>>;

/** Everything a running node needs from its state directory. */
export interface NodeState {
  /** The state directory. */
  dir: string;
  /** Certificate name (pinned by peers). */
  name: string;
  /** The node prefix, canonical. */
  prefix: string;
  /** The node's overlay address (first address of its prefix). */
  address: string;
  /** The registry's base URL. */
  registryUrl: string;
  /** CA certificate, PEM. */
  caPem: string;
  /** Node certificate, PEM. */
  certPem: string;
  /** Node private key, PEM. */
  keyPem: string;
  /** Certificate serial, canonical hex. */
  certSerial: string;
  /** Certificate expiry, ms since the epoch. */
  certExpiresAt: number;
  /** The verified network config. */
  config: NetworkConfigT;
}

/** Thrown when the state directory is not that of an enrolled node. */
export class NodeStateError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'NodeStateError';
  }
}

function required(dir: string, file: string): string {
  const text = readStateFile(dir, file);
  if (text === undefined) {
    throw new NodeStateError(
      `${join(dir, file)} is missing: enrol first with 'vifibnet node enroll --state-dir ${dir} …'`,
    );
  }
  return text;
}

/** Loads and checks the state directory `dir`. */
export function loadNodeState(dir: string): NodeState {
  const keyPem = required(dir, STATE_FILES.key);
  const certPem = required(dir, STATE_FILES.cert);
  const caPem = required(dir, STATE_FILES.ca);
  const record = NodeRecordFields.parse(JSON.parse(required(dir, STATE_FILES.node)));
  const signed = readStoredConfig(dir);
  if (!signed) throw new NodeStateError(`${join(dir, STATE_FILES.config)} is missing: enrol again`);
  const checked = verifyConfig(caPem, signed, 0);
  if (!checked.ok) throw new NodeStateError(`${join(dir, STATE_FILES.config)}: ${checked.message}`);
  const cert = new X509Certificate(certPem);
  const prefix = canonicalPrefix(record.prefix);
  return {
    dir,
    name: record.name,
    prefix,
    address: nodeAddress(prefix),
    registryUrl: record.registry,
    caPem,
    certPem,
    keyPem,
    certSerial: canonicalSerial(cert.serialNumber),
    certExpiresAt: Date.parse(cert.validTo),
    config: checked.config,
  };
}
