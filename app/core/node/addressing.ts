/**
 * Names and addresses derived from a node's prefix, the same on every node: the overlay address
 * a node answers on, the certificate name its peers pin, and the device of an outgoing tunnel.
 * Pure.
 */
import { createHash } from 'node:crypto';
import { formatAddress, formatPrefix, parsePrefix, type Prefix } from '../../registry/ipv6';
import { nodeName, parseNodeName } from '../../registry/node-name';

/**
 * Prefix of the device names of outgoing tunnels: `vfbc-` + 6 hex digits of the peer + 2 hex
 * digits of the instance (13 characters).
 */
export const CLIENT_DEVICE_PREFIX = 'vfbc-';

/** Distinct instance numbers of the tunnels to one peer (two hex digits). */
export const CLIENT_DEVICE_INSTANCES = 256;

function prefixOrThrow(prefix: string): Prefix {
  const parsed = parsePrefix(prefix);
  if (!parsed) throw new Error(`${prefix} is not an IPv6 prefix`);
  return parsed;
}

/** The prefix in canonical text form (RFC 5952), the form every node compares. */
export function canonicalPrefix(prefix: string): string {
  return formatPrefix(prefixOrThrow(prefix));
}

/**
 * The overlay address of the node owning `prefix`: the first address after the prefix itself
 * (`fd12:3456:789a:1::1` for `fd12:3456:789a:1::/64`). It is where the node answers peer exchange.
 */
export function nodeAddress(prefix: string): string {
  return formatAddress(prefixOrThrow(prefix).value + 1n);
}

/** The certificate name of the node owning `prefix`, pinned with OpenVPN's verify-x509-name. */
export function peerName(prefix: string): string {
  return nodeName(prefixOrThrow(prefix));
}

/** The prefix a certificate name encodes, canonical, or null when it is not a node name. */
export function prefixOfName(name: string): string | null {
  const parsed = parseNodeName(name);
  return parsed ? formatPrefix(parsed) : null;
}

/**
 * The device of instance `instance` (0–255) of an outgoing tunnel to `prefix`. Each tunnel gets
 * a fresh instance: babeld keeps a drained device's filters until it restarts, so a name is
 * never given to a second tunnel while babeld runs (the helper refuses it). An adopted tunnel is
 * matched by its peer name, not by its device name.
 */
export function clientDevice(prefix: string, instance: number): string {
  if (!Number.isInteger(instance) || instance < 0 || instance >= CLIENT_DEVICE_INSTANCES)
    throw new Error(`bad tunnel instance ${instance}`);
  const digest = createHash('sha256').update(canonicalPrefix(prefix)).digest('hex');
  return `${CLIENT_DEVICE_PREFIX}${digest.slice(0, 6)}${instance.toString(16).padStart(2, '0')}`;
}
