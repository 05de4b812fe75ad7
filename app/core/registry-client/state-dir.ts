/**
 * The node's state directory as far as membership goes: key, certificate, CA, what the registry
 * said about the node, and the last verified network config. Files are replaced atomically
 * (write, fsync, rename); the key is 0600 from the moment it exists.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SignedConfig, type SignedConfigT } from '../../registry/protocol';

/** Default state directory: /var/lib/vifibnet as root, else ~/.local/state/vifibnet. */
export const DEFAULT_STATE_DIR =
  process.env.VIFIBNET_STATE_DIR ??
  (process.getuid?.() === 0 ? '/var/lib/vifibnet' : join(homedir(), '.local', 'state', 'vifibnet'));

/** File names inside the state directory. */
export const STATE_FILES = {
  key: 'key.pem',
  cert: 'cert.pem',
  ca: 'ca.pem',
  node: 'node.json',
  config: 'network-config.json',
} as const;

/** What the node keeps about its membership (`node.json`). */
export interface NodeRecordT {
  /** Registry base URL. */
  registry: string;
  /** The node's prefix. */
  prefix: string;
  /** The node's name (certificate common name). */
  name: string;
  /** Serial number of its certificate. */
  serial: string;
  /** End of the certificate's validity, ISO 8601. */
  notAfter: string;
}

/** Writes `data` to `dir/name` atomically with file mode `mode`. */
export function writeStateFile(dir: string, name: string, data: string, mode = 0o644): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, name);
  const temp = `${target}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

/** True when the directory holds a node certificate. */
export function isEnrolled(dir: string): boolean {
  return existsSync(join(dir, STATE_FILES.cert));
}

/** Reads a state file, or undefined when absent. */
export function readStateFile(dir: string, name: string): string | undefined {
  const file = join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The stored signed network config, or undefined. */
export function readStoredConfig(dir: string): SignedConfigT | undefined {
  const text = readStateFile(dir, STATE_FILES.config);
  return text === undefined ? undefined : SignedConfig.parse(JSON.parse(text));
}
