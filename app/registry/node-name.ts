/**
 * The name of a node: the common name of its certificate, which peers pin with OpenVPN's
 * `verify-x509-name`. It encodes the node's prefix so that the name alone says which prefix
 * the node owns:
 *
 *   `<the first ceil(length/4) hex nibbles of the prefix>-<length>`
 *
 * e.g. `fd12:3456:789a:1::/64` → `fd123456789a0001-64`. Lowercase hex, always 1-32 nibbles, so
 * names match the helper's PeerName pattern `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`, are unique per
 * prefix and parse back exactly. Pure.
 */
import { prefixMask, type Prefix } from './ipv6';

const NAME_PATTERN = /^([0-9a-f]{1,32})-(\d{1,3})$/;

/** The node name of `prefix` (see the module comment). */
export function nodeName(prefix: Prefix): string {
  const nibbles = Math.max(1, Math.ceil(prefix.length / 4));
  return `${prefix.value.toString(16).padStart(32, '0').slice(0, nibbles)}-${prefix.length}`;
}

/** The prefix a node name encodes, or null when `name` is not a node name in canonical form. */
export function parseNodeName(name: string): Prefix | null {
  const m = NAME_PATTERN.exec(name);
  if (!m) return null;
  const length = Number(m[2]);
  if (length > 128 || m[1]!.length !== Math.max(1, Math.ceil(length / 4))) return null;
  const value = BigInt(`0x${m[1]!.padEnd(32, '0')}`);
  return (value & prefixMask(length)) === value ? { value, length } : null;
}
