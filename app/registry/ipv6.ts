/**
 * IPv6 prefix arithmetic for the registry and the engine: the project's one implementation of
 * parsing and formatting (helper/net/ipv6.ts), with prefixes parsed strictly (no host bits) and
 * subnet numbering inside a larger prefix. Pure; no I/O.
 */
import {
  containsPrefix,
  hasHostBits,
  parsePrefix as parsePrefixAllowingHostBits,
  prefixMask,
  type Prefix,
} from '../../helper/net/ipv6';

export { formatAddress, formatPrefix, parseAddress, prefixMask, type Prefix } from '../../helper/net/ipv6';

const ALL_ONES = (1n << 128n) - 1n;

/**
 * Parses `address/length`. Returns null when the text is not an IPv6 prefix or when bits after
 * the length are set (`fd00::1/64` is an address, not a prefix).
 */
export function parsePrefix(text: string): Prefix | null {
  const prefix = parsePrefixAllowingHostBits(text);
  return prefix && !hasHostBits(prefix) ? prefix : null;
}

/** True when `inner` lies entirely inside `outer`. */
export const contains: (outer: Prefix, inner: Prefix) => boolean = containsPrefix;

/**
 * The subnet of `network` with index `index` and length `length` (index 0 is the all-zero
 * subnet). Callers keep `index` below 2^(length - network.length).
 */
export function subnet(network: Prefix, length: number, index: number): Prefix {
  return { value: network.value | (BigInt(index) << BigInt(128 - length)), length };
}

/** Index of `inner` among the subnets of its own length inside `network` (inverse of {@link subnet}). */
export function subnetIndex(network: Prefix, inner: Prefix): number {
  return Number((inner.value & ~prefixMask(network.length) & ALL_ONES) >> BigInt(128 - inner.length));
}

/** A random RFC 4193 unique local /48: `fd` followed by a 40-bit random global ID. */
export function randomUlaPrefix(randomBytes: (n: number) => Uint8Array): Prefix {
  const id = randomBytes(5).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return { value: (0xfdn << 120n) | (id << 80n), length: 48 };
}
