/**
 * IPv6 prefix arithmetic on 128-bit integers: parsing, canonical formatting (RFC 5952) and
 * subnet numbering inside a larger prefix. Pure; no I/O.
 */
import { isIP } from 'node:net';

/** An IPv6 prefix as a 128-bit integer (host bits zero) and a length. */
export interface Prefix {
  /** The address bits; every bit after `length` is zero. */
  value: bigint;
  /** Prefix length, 0-128. */
  length: number;
}

const ALL_ONES = (1n << 128n) - 1n;

/** Parses an IPv6 address (no zone, no embedded IPv4) into its 128-bit value, or null. */
export function parseAddress(text: string): bigint | null {
  if (isIP(text) !== 6 || text.includes('.') || text.includes('%')) return null;
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Formats a 128-bit value in RFC 5952 canonical form (lowercase, longest zero run as `::`). */
export function formatAddress(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parses `address/length`. Returns null when the text is not an IPv6 prefix or when bits after
 * the length are set (`fd00::1/64` is an address, not a prefix).
 */
export function parsePrefix(text: string): Prefix | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return null;
  const value = parseAddress(m[1]!);
  const length = Number(m[2]);
  if (value === null || length > 128 || (value & ~prefixMask(length) & ALL_ONES) !== 0n) return null;
  return { value, length };
}

/** Formats a prefix canonically, e.g. `fd12:3456:789a:1::/64`. */
export function formatPrefix(prefix: Prefix): string {
  return `${formatAddress(prefix.value)}/${prefix.length}`;
}

/** Mask with the first `length` bits set. */
export function prefixMask(length: number): bigint {
  return length === 0 ? 0n : (ALL_ONES << BigInt(128 - length)) & ALL_ONES;
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Prefix, inner: Prefix): boolean {
  return inner.length >= outer.length && (inner.value & prefixMask(outer.length)) === outer.value;
}

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
