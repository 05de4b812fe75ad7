/**
 * The underlay addresses a node advertises in its address record: every address of the machine
 * that peers can reach, unless the operator names them (`--underlay-address`). Pure apart from
 * {@link machineAddresses}.
 */
import { networkInterfaces } from 'node:os';
import { parseAddress, parsePrefix, prefixMask } from '../../registry/ipv6';
import type { EndpointT } from '../../registry/protocol';

/** One address of a network interface, as os.networkInterfaces() lists it. */
export interface InterfaceAddress {
  /** Interface name. */
  ifname: string;
  /** The address. */
  address: string;
  /** Address family. */
  family: 'IPv4' | 'IPv6';
  /** True for loopback. */
  internal: boolean;
}

/** Most endpoints an address record may carry (the registry's bound). */
export const MAX_ENDPOINTS = 16;

/** Every address of this machine's interfaces. */
export function machineAddresses(): InterfaceAddress[] {
  return Object.entries(networkInterfaces()).flatMap(([ifname, list]) =>
    (list ?? []).map((a) => ({ ifname, address: a.address, family: a.family, internal: a.internal })),
  );
}

function insideNetwork(address: string, networkPrefix: string): boolean {
  const value = parseAddress(address);
  const network = parsePrefix(networkPrefix);
  return value !== null && network !== null && (value & prefixMask(network.length)) === network.value;
}

/**
 * The addresses worth advertising: not loopback, not link-local (IPv4 169.254/16, IPv6
 * fe80::/10), not on a vifibnet device, and not inside the overlay network itself. IPv6 first.
 */
export function advertisableAddresses(
  addresses: readonly InterfaceAddress[],
  networkPrefix: string,
): string[] {
  const usable = addresses.filter(
    (a) =>
      !a.internal &&
      !a.ifname.startsWith('vfb') &&
      !(a.family === 'IPv4' && a.address.startsWith('169.254.')) &&
      !(a.family === 'IPv6' && /^fe[89ab]/i.test(a.address)) &&
      !(a.family === 'IPv6' && insideNetwork(a.address, networkPrefix)),
  );
  const v6 = usable.filter((a) => a.family === 'IPv6').map((a) => a.address);
  const v4 = usable.filter((a) => a.family === 'IPv4').map((a) => a.address);
  return [...new Set([...v6, ...v4])];
}

/** The endpoints of an address record: each address with the UDP listener's port. */
export function listenerEndpoints(addresses: readonly string[], port: number): EndpointT[] {
  return addresses.slice(0, MAX_ENDPOINTS).map((address) => ({ address, port, protocol: 'udp' as const }));
}
