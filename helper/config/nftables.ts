/**
 * Pure writer of the nftables ruleset of the listener's ICMP guard (helper/ops/icmp-guard.ts).
 * Input is the listener's validated UDP port; output is a whole `nft -f` script that replaces
 * the helper's own table atomically (declare, delete, declare again with the rules, in one
 * transaction), so applying it twice or after a crash gives the same result.
 *
 * The rules drop ICMP and ICMPv6 "port unreachable" errors that quote a UDP datagram sent *from*
 * the listener's port, and nothing else: path-MTU errors, other codes and every other program's
 * errors pass. The quoted datagram is matched by raw offsets from the ICMP header (8 bytes),
 * after the quoted IP header: IPv4 without options (first byte 0x45, protocol byte 9) → UDP
 * source port at byte 28; IPv6 without extension headers (next header byte 6) → byte 48.
 */
import { int } from './directives';

/** The helper's nftables table (family inet); nothing else is ever written or deleted. */
export const GUARD_TABLE = 'vifibnet';

/** IANA protocol number of UDP, as quoted in the ICMP error's copy of the IP header. */
const UDP = 17;

/** Lines that remove the table whether or not it exists (nft fails deleting a missing table). */
function removal(): string[] {
  return [`table inet ${GUARD_TABLE}`, `delete table inet ${GUARD_TABLE}`];
}

/**
 * The guard's script: with a port, the table holding the two drop rules for that listener port;
 * with null, only the removal of the table.
 */
export function icmpGuardRuleset(udpPort: number | null): string {
  if (udpPort === null) return `${removal().join('\n')}\n`;
  const port = int('port', udpPort, 1, 65535);
  return [
    ...removal(),
    `table inet ${GUARD_TABLE} {`,
    '  chain listener-icmp {',
    '    type filter hook input priority filter; policy accept;',
    `    icmp type destination-unreachable icmp code port-unreachable @th,64,8 0x45 @th,136,8 ${UDP} @th,224,16 ${port} counter drop`,
    `    icmpv6 type destination-unreachable icmpv6 code port-unreachable @th,112,8 ${UDP} @th,384,16 ${port} counter drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}
