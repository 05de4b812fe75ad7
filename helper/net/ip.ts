/**
 * iproute2 and sysctl actions on devices, addresses and routes. Every call runs `/usr/sbin/ip`
 * with an argv array; names reaching here were validated by the protocol schemas.
 */
import { writeFile } from 'node:fs/promises';
import { IP_PATH, runProgram } from '../exec';

/** One link as `ip -j link show` reports it. */
export interface LinkInfo {
  /** Interface name. */
  ifname: string;
  /** Flags such as UP, LOWER_UP. */
  flags: string[];
}

/** Lists every link of the current network namespace. */
export async function listLinks(): Promise<LinkInfo[]> {
  const { stdout } = await runProgram(IP_PATH, ['-j', 'link', 'show']);
  const parsed = JSON.parse(stdout) as Array<{ ifname: string; flags?: string[] }>;
  return parsed.map((l) => ({ ifname: l.ifname, flags: l.flags ?? [] }));
}

/** True when a link with this name exists. */
export async function linkExists(name: string): Promise<boolean> {
  return (await listLinks()).some((l) => l.ifname === name);
}

/**
 * Creates a persistent tun or tap device, turns off IPv6 duplicate address detection on it (a
 * point-to-point overlay link has no duplicate to detect, and DAD would delay babel's link-local
 * address by a second) and sets it up. OpenVPN later attaches to it by name.
 */
export async function createTuntap(name: string, mode: 'tun' | 'tap'): Promise<void> {
  await runProgram(IP_PATH, ['tuntap', 'add', 'dev', name, 'mode', mode]);
  await setSysctl(`/proc/sys/net/ipv6/conf/${name}/accept_dad`, '0');
  await setSysctl(`/proc/sys/net/ipv6/conf/${name}/accept_ra`, '0');
  await runProgram(IP_PATH, ['link', 'set', 'dev', name, 'up']);
}

/** Deletes a link (any type); missing links are not an error. */
export async function deleteLink(name: string): Promise<boolean> {
  if (!(await linkExists(name))) return false;
  await runProgram(IP_PATH, ['link', 'del', 'dev', name]);
  return true;
}

/** Mode of an existing tun/tap device, or null when it is not one (or absent). */
export async function tuntapMode(name: string): Promise<'tun' | 'tap' | null> {
  const { stdout } = await runProgram(IP_PATH, ['-d', '-j', 'link', 'show']);
  const parsed = JSON.parse(stdout) as Array<{
    ifname: string;
    linkinfo?: { info_kind?: string; info_data?: { type?: string } };
  }>;
  const link = parsed.find((l) => l.ifname === name);
  const type = link?.linkinfo?.info_kind === 'tun' ? link.linkinfo.info_data?.type : undefined;
  return type === 'tun' || type === 'tap' ? type : null;
}

/** Writes a sysctl through /proc (no program involved). */
export async function setSysctl(path: string, value: string): Promise<void> {
  await writeFile(path, `${value}\n`);
}

/** Adds (or keeps) `address/length` on `dev`. */
export async function addAddress(dev: string, address: string, length: number): Promise<void> {
  await runProgram(IP_PATH, ['-6', 'addr', 'replace', `${address}/${length}`, 'dev', dev]);
}

/** Removes `address/length` from `dev`; absent addresses are not an error. */
export async function removeAddress(dev: string, address: string, length: number): Promise<boolean> {
  const { stdout } = await runProgram(IP_PATH, ['-6', '-j', 'addr', 'show', 'dev', dev]);
  const parsed = JSON.parse(stdout) as Array<{ addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
  const present = parsed.some((l) =>
    (l.addr_info ?? []).some((a) => a.local === address && a.prefixlen === length),
  );
  if (!present) return false;
  await runProgram(IP_PATH, ['-6', 'addr', 'del', `${address}/${length}`, 'dev', dev]);
  return true;
}

/** Adds (or keeps) an `unreachable` route over `prefix`. */
export async function addUnreachable(prefix: string): Promise<void> {
  await runProgram(IP_PATH, ['-6', 'route', 'replace', 'unreachable', prefix]);
}

/** Removes the `unreachable` route over `prefix`; an absent route is not an error. */
export async function removeUnreachable(prefix: string): Promise<boolean> {
  const { stdout } = await runProgram(IP_PATH, [
    '-6',
    '-j',
    'route',
    'show',
    'type',
    'unreachable',
    'exact',
    prefix,
  ]);
  if ((JSON.parse(stdout || '[]') as unknown[]).length === 0) return false;
  await runProgram(IP_PATH, ['-6', 'route', 'del', 'unreachable', prefix]);
  return true;
}

/**
 * Removes every IPv6 route of protocol `babel`: what a babeld that was killed left in the kernel.
 * Its successor does not take such routes over (installing the same route fails, and it never
 * removes one it did not install), so they would outlive the neighbour they point to.
 */
export async function flushBabelRoutes(): Promise<void> {
  await runProgram(IP_PATH, ['-6', 'route', 'flush', 'proto', 'babel']);
}

/**
 * Gives `dev` the alternative name `altname` (kernel ≥ 5.5): programs resolving `altname`
 * (if_nametoindex) find `dev`. The name goes with the device when it is deleted.
 */
export async function addAltname(dev: string, altname: string): Promise<void> {
  await runProgram(IP_PATH, ['link', 'property', 'add', 'dev', dev, 'altname', altname]);
}
