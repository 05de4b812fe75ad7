/** Pure checks behind the helper's operations: prefix arithmetic, network checks, command line. */
import { describe, expect, it } from 'vitest';
import {
  parseGroupFile,
  parseHelperArgs,
  parsePasswdFile,
  socketGroupFor,
  UsageError,
} from '../../helper/args';
import { checkNetwork } from '../../helper/ops/network';
import {
  containsPrefix,
  formatAddress,
  formatPrefix,
  hasHostBits,
  parseAddress,
  parsePrefix,
} from '../../helper/net/ipv6';
import { HelperError } from '../../helper/protocol';

describe('ipv6 arithmetic', () => {
  it('parses and formats addresses canonically', () => {
    for (const [input, canonical] of [
      ['fd00::1', 'fd00::1'],
      ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
      ['::', '::'],
      ['fd12:3456:789a:1:0:0:0:0', 'fd12:3456:789a:1::'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:198.18.0.1', '::ffff:c612:1'],
    ]) {
      expect(formatAddress(parseAddress(input!)!)).toBe(canonical);
    }
    expect(parseAddress('198.18.0.1')).toBeNull();
  });

  it('checks containment and host bits', () => {
    const net = parsePrefix('fd12:3456:789a::/48')!;
    expect(containsPrefix(net, parsePrefix('fd12:3456:789a:1::/64')!)).toBe(true);
    expect(containsPrefix(net, parsePrefix('fd12:3456:789b:1::/64')!)).toBe(false);
    expect(containsPrefix(net, parsePrefix('fd12::/16')!)).toBe(false);
    expect(hasHostBits(parsePrefix('fd12:3456:789a:1::1/64')!)).toBe(true);
    expect(formatPrefix(parsePrefix('fd12:3456:789a:1::1/64')!)).toBe('fd12:3456:789a:1::/64');
  });
});

describe('checkNetwork', () => {
  const ok = {
    networkPrefix: 'fd12:3456:789a::/48',
    nodePrefix: 'fd12:3456:789a:1::/64',
    address: 'fd12:3456:789a:1::1',
  };
  it('accepts a node prefix inside the network and canonicalises', () => {
    expect(checkNetwork({ ...ok, address: 'FD12:3456:789A:1:0::1' })).toEqual({ ...ok, nodeLength: 64 });
  });
  it.each([
    [
      { nodePrefix: 'fd12:3456:789b:1::/64', address: 'fd12:3456:789b:1::1' },
      /prefix fd12:3456:789b:1::\/64 is outside the network fd12:3456:789a::\/48/,
    ],
    [{ address: 'fd12:3456:789a:2::1' }, /address .* is outside the node prefix/],
    [{ networkPrefix: 'fd12:3456:789a::1/48' }, /has bits set/],
    [{ networkPrefix: 'fd12:3456:789a:1::/80', nodePrefix: 'fd12:3456:789a:1::/96' }, /longer than \/64/],
  ])('refuses %j', (change, message) => {
    const run = (): unknown => checkNetwork({ ...ok, ...change });
    expect(run).toThrow(HelperError);
    expect(run).toThrow(message);
  });
});

describe('helper command line', () => {
  const groups = parseGroupFile('root:x:0:\nvifibnet:x:990:alice\nusers:x:100:\n');
  it('has defaults and repeatable allow lists', () => {
    expect(parseHelperArgs([], groups)).toMatchObject({
      socket: '/run/vifibnet/helper.sock',
      runDir: '/run/vifibnet',
      stateDir: '/var/lib/vifibnet/helper',
      allowUids: [],
      allowGids: [],
    });
    expect(
      parseHelperArgs(
        [
          '--socket',
          '/tmp/x/a.sock',
          '--allow-uid',
          '1000',
          '--allow-uid',
          '1001',
          '--allow-group',
          'users',
          '--allow-group',
          '5',
        ],
        groups,
      ),
    ).toMatchObject({
      socket: '/tmp/x/a.sock',
      runDir: '/tmp/x',
      allowUids: [1000, 1001],
      allowGids: [100, 5],
    });
  });
  it.each([
    [['--allow-uid', 'alice'], /numeric id/],
    [['--allow-group', 'nosuchgroup'], /no group named/],
    [['--bogus'], /Unknown option/],
    [['positional'], /positional/i],
    [['--socket', `/tmp/${'x'.repeat(120)}.sock`], /too long/],
  ])('refuses %j', (args, message) => {
    expect(() => parseHelperArgs(args, groups)).toThrow(UsageError);
    expect(() => parseHelperArgs(args, groups)).toThrow(message);
  });
});

describe('socket group', () => {
  const groups = new Map([['vifibnet', 990]]);
  const passwd = parsePasswdFile('root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');

  it('is the vifibnet group when it exists', () => {
    expect(socketGroupFor({ allowUids: [1000], allowGids: [5] }, groups, passwd)).toBe(990);
  });

  it('is else the first allowed group, else the primary group of the first allowed user', () => {
    expect(socketGroupFor({ allowUids: [1000], allowGids: [5] }, new Map(), passwd)).toBe(5);
    expect(socketGroupFor({ allowUids: [1000], allowGids: [] }, new Map(), passwd)).toBe(1000);
    expect(socketGroupFor({ allowUids: [], allowGids: [] }, new Map(), passwd)).toBeUndefined();
  });
});
