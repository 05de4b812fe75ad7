/**
 * Pure IPv6 address and prefix arithmetic on 128-bit integers: parsing, canonical formatting
 * (RFC 5952), containment. The one implementation in the project: it lives in helper/ because the
 * helper may import nothing from app/; the registry and the engine build on it (app/registry/ipv6.ts).
 */
import { isIP } from 'node:net';
import { parseIpv6Prefix } from '../protocol';

/** A parsed prefix: the address as a 128-bit integer and the prefix length. */
export interface Prefix {
  /** The prefix's address bits (host bits may be set; see {@link hasHostBits}). */
  value: bigint;
  /** Prefix length, 0-128. */
  length: number;
}

/** Parses an IPv6 address into a 128-bit integer, or null. */
export function parseAddress(text: string): bigint | null {
  if (isIP(text) !== 6 || text.includes('%')) return null;
  let head = text;
  let tailV4: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    head = `${v4[1]}`;
    tailV4 = v4[2]!.split('.').map(Number);
    head = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left ? left.split(':').filter((g) => g !== '') : [];
  const r = right ? right.split(':').filter((g) => g !== '') : [];
  const groups = tailV4.length ? 6 : 8;
  const fill = right === undefined ? [] : Array<string>(groups - l.length - r.length).fill('0');
  const all = [...l, ...fill, ...r].map((g) => parseInt(g, 16));
  if (tailV4.length) all.push((tailV4[0]! << 8) | tailV4[1]!, (tailV4[2]! << 8) | tailV4[3]!);
  if (all.length !== 8) return null;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Formats a 128-bit integer as a canonical (RFC 5952) IPv6 address. */
export function formatAddress(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses `addr/len`, or returns null. */
export function parsePrefix(text: string): Prefix | null {
  const p = parseIpv6Prefix(text);
  if (!p) return null;
  const value = parseAddress(p.address);
  return value === null ? null : { value, length: p.length };
}

/** The network mask of a prefix length. */
export function prefixMask(length: number): bigint {
  return length === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - length)) - 1n);
}

/** True when the prefix has bits set beyond its length (e.g. `fd00::1/64`). */
export function hasHostBits(p: Prefix): boolean {
  return (p.value & ~prefixMask(p.length) & ((1n << 128n) - 1n)) !== 0n;
}

/** True when `inner` lies entirely inside `outer`. */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  return (
    inner.length >= outer.length &&
    (inner.value & prefixMask(outer.length)) === (outer.value & prefixMask(outer.length))
  );
}

/** True when `address` lies inside `prefix`. */
export function containsAddress(prefix: Prefix, address: bigint): boolean {
  return containsPrefix(prefix, { value: address, length: 128 });
}

/** Canonical text of a prefix (`fd00:1::/48`), host bits cleared. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.value & prefixMask(p.length))}/${p.length}`;
}
