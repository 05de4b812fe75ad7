/**
 * The ICMP guard without nftables: the listener must run anyway, so a missing `nft` is one
 * warning naming the package to install, never an error (with nft, see helper-mesh.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { HelperContext } from '../../helper/context';
import { createLogger } from '../../helper/log';
import { IcmpGuard } from '../../helper/ops/icmp-guard';
import { helperPaths } from '../../helper/paths';

describe('ICMP guard without nft', () => {
  it('warns once that the listener runs unguarded and never throws', async () => {
    const lines: string[] = [];
    const ctx = {
      logger: createLogger({ scope: 'helper', level: 'debug', sink: (l) => lines.push(l) }),
      paths: helperPaths('/nonexistent/helper.sock', '/nonexistent', '/nonexistent/state'),
    } as HelperContext;
    const guard = new IcmpGuard(ctx, '/nonexistent/sbin/nft');
    await guard.clear();
    await guard.protect(1194);
    await guard.protect(1194);
    await guard.clear();
    const warnings = lines.filter((l) => l.includes(' warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('install the nftables package');
  });
});
