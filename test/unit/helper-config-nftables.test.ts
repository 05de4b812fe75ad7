/**
 * The ICMP guard's nftables writer: one table of the helper's, replaced atomically, matching only
 * port-unreachable errors about the listener's own UDP port. That nft accepts it and that the
 * rules match real errors is proven in test/integration/helper-mesh.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValueError } from '../../helper/config/directives';
import { GUARD_TABLE, icmpGuardRuleset } from '../../helper/config/nftables';

describe('ICMP guard ruleset', () => {
  it('replaces the helper table with two drop rules for the listener port', () => {
    const lines = icmpGuardRuleset(1194).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `table inet ${GUARD_TABLE}`,
      `delete table inet ${GUARD_TABLE}`,
      `table inet ${GUARD_TABLE} {`,
    ]);
    const rules = lines.filter((l) => l.includes(' drop'));
    expect(rules).toHaveLength(2);
    expect(rules[0]).toContain('icmp type destination-unreachable icmp code port-unreachable');
    expect(rules[0]).toContain('@th,224,16 1194');
    expect(rules[1]).toContain('icmpv6 type destination-unreachable icmpv6 code port-unreachable');
    expect(rules[1]).toContain('@th,384,16 1194');
    // only errors quoting UDP (protocol 17) are matched
    expect(rules.every((r) => / 17 /.test(r))).toBe(true);
  });

  it('without a port only removes the table', () => {
    expect(icmpGuardRuleset(null)).toBe(`table inet ${GUARD_TABLE}\ndelete table inet ${GUARD_TABLE}\n`);
  });

  it.each([0, 65536, 1.5, Number.NaN])('refuses port %s', (port) => {
    expect(() => icmpGuardRuleset(port)).toThrow(ConfigValueError);
  });
});
