/**
 * Names and addresses derived from a prefix, and the choice of underlay addresses to advertise.
 */
import { describe, expect, it } from 'vitest';
import { DeviceName, PeerName } from '../../helper/protocol';
import {
  canonicalPrefix,
  clientDevice,
  nodeAddress,
  peerName,
  prefixOfName,
} from '../../app/core/node/addressing';
import { probePort, isProbe, PROBE_MAGIC } from '../../app/core/node/probe';
import { advertisableAddresses, listenerEndpoints, MAX_ENDPOINTS } from '../../app/core/node/underlay';

describe('addressing', () => {
  it('derives the overlay address, the certificate name and back', () => {
    expect(nodeAddress('fd12:3456:789a:1::/64')).toBe('fd12:3456:789a:1::1');
    expect(peerName('fd12:3456:789a:1::/64')).toBe('fd123456789a0001-64');
    expect(prefixOfName('fd123456789a0001-64')).toBe('fd12:3456:789a:1::/64');
    expect(prefixOfName('not-a-node')).toBeNull();
    expect(PeerName.safeParse(peerName('fd12:3456:789a:ffff::/64')).success).toBe(true);
    expect(canonicalPrefix('FD12:3456:789A:0001:0000::/64')).toBe('fd12:3456:789a:1::/64');
    expect(() => nodeAddress('fd12::1/64')).toThrow(/not an IPv6 prefix/);
  });

  it('names a valid device per peer and instance, the same for any spelling of its prefix', () => {
    const a = clientDevice('fd12:3456:789a:1::/64', 0);
    expect(a).toMatch(/^vfbc-[0-9a-f]{6}00$/);
    expect(DeviceName.safeParse(a).success).toBe(true);
    expect(DeviceName.safeParse(clientDevice('fd12:3456:789a:1::/64', 255)).success).toBe(true);
    expect(clientDevice('fd12:3456:789a:0001::/64', 0)).toBe(a);
    expect(clientDevice('fd12:3456:789a:1::/64', 1)).toBe(`${a.slice(0, -2)}01`);
    expect(clientDevice('fd12:3456:789a:2::/64', 0)).not.toBe(a);
    expect(() => clientDevice('fd12:3456:789a:1::/64', 256)).toThrow(/instance/);
  });
});

describe('probe datagrams', () => {
  it('uses the port after the tunnel port, and answers only exact probes', () => {
    expect(probePort(1194)).toBe(1195);
    expect(probePort(65535)).toBe(65534);
    const probe = Buffer.concat([PROBE_MAGIC, Buffer.alloc(8, 7)]);
    expect(isProbe(probe)).toBe(true);
    expect(isProbe(Buffer.concat([probe, Buffer.alloc(100)]))).toBe(false);
    expect(isProbe(Buffer.concat([Buffer.from('x'), probe.subarray(1)]))).toBe(false);
  });
});

describe('underlay addresses', () => {
  const iface = (ifname: string, address: string, internal = false) => ({
    ifname,
    address,
    family: address.includes(':') ? ('IPv6' as const) : ('IPv4' as const),
    internal,
  });

  it('advertises reachable addresses, IPv6 first, and nothing local, link-local, overlay or of ours', () => {
    const found = advertisableAddresses(
      [
        iface('lo', '127.0.0.1', true),
        iface('lo', 'fd00:0:0:1::1', true),
        iface('eth0', '192.0.2.10'),
        iface('eth0', 'fe80::1'),
        iface('eth0', '2001:db8::10'),
        iface('eth1', '169.254.3.4'),
        iface('eth1', '192.0.2.10'),
        iface('vfbs-udp', '10.9.9.9'),
        iface('wg0', 'fd00:0:0:7::1'),
      ],
      'fd00::/48',
    );
    expect(found).toEqual(['2001:db8::10', '192.0.2.10']);
  });

  it('makes UDP endpoints on the listener port, at most the registry bound', () => {
    const many = Array.from({ length: MAX_ENDPOINTS + 3 }, (_, i) => `192.0.2.${i + 1}`);
    const endpoints = listenerEndpoints(many, 1194);
    expect(endpoints).toHaveLength(MAX_ENDPOINTS);
    expect(endpoints[0]).toEqual({ address: '192.0.2.1', port: 1194, protocol: 'udp' });
  });
});
