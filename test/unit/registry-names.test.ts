import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PeerName } from '../../helper/protocol';
import {
  contains,
  formatAddress,
  formatPrefix,
  parseAddress,
  parsePrefix,
  prefixMask,
  randomUlaPrefix,
  subnet,
  subnetIndex,
} from '../../app/registry/ipv6';
import { nodeName, parseNodeName } from '../../app/registry/node-name';

const address = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const prefix = fc
  .tuple(address, fc.integer({ min: 0, max: 128 }))
  .map(([value, length]) => ({ value: value & prefixMask(length), length }));

describe('IPv6 prefixes', () => {
  test('formatting is canonical and parses back to the same value', () => {
    fc.assert(
      fc.property(address, (value) => {
        const text = formatAddress(value);
        expect(parseAddress(text)).toBe(value);
        expect(text).toBe(text.toLowerCase());
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
      }),
    );
    expect(formatAddress(parseAddress('FD12:0:0:1:0:0:0:1')!)).toBe('fd12:0:0:1::1');
    expect(formatAddress(0n)).toBe('::');
  });

  test('prefixes with host bits set, IPv4 and garbage are refused', () => {
    expect(parsePrefix('fd12:3456:789a::/48')).toEqual({ value: 0xfd123456789an << 80n, length: 48 });
    for (const bad of ['fd12::1/64', '10.0.0.0/8', 'fd12::/129', 'fd12::', '::ffff:1.2.3.4/96', 'x/1']) {
      expect(parsePrefix(bad)).toBeNull();
    }
  });

  test('subnet numbering inverts and stays inside the network', () => {
    const net = parsePrefix('fd12:3456:789a::/48')!;
    expect(formatPrefix(subnet(net, 64, 1))).toBe('fd12:3456:789a:1::/64');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (i) => {
        const s = subnet(net, 64, i);
        expect(contains(net, s)).toBe(true);
        expect(subnetIndex(net, s)).toBe(i);
      }),
    );
  });

  test('random ULA prefixes are fd00::/8 /48s', () => {
    const p = randomUlaPrefix(() => new Uint8Array([1, 2, 3, 4, 5]));
    expect(formatPrefix(p)).toBe('fd01:203:405::/48');
  });
});

describe('node names', () => {
  test('every prefix has a name that matches PeerName and parses back exactly', () => {
    fc.assert(
      fc.property(prefix, (p) => {
        const name = nodeName(p);
        expect(PeerName.safeParse(name).success).toBe(true);
        expect(parseNodeName(name)).toEqual(p);
      }),
    );
    expect(nodeName(parsePrefix('fd12:3456:789a:1::/64')!)).toBe('fd123456789a0001-64');
  });

  test('non-canonical names are refused', () => {
    for (const bad of ['FD123456789A0001-64', 'fd123456789a001-64', 'fd123456789a0001-63', 'fd-129', 'x-1']) {
      expect(parseNodeName(bad)).toBeNull();
    }
  });
});
