import { describe, expect, test } from 'vitest';
import { BabelParseError, parseUpdate } from '../../app/core/babel/dump-parser';
import { LocalSession, type SessionOutput } from '../../app/core/babel/local-session';

/**
 * A connection to the read-only socket of babeld 1.12.1 (`-g`), captured from two network
 * namespaces joined by a veth (`interface va8808 type tunnel hello-interval 0.2`): the banner,
 * the answer to `dump`, the replay and `ok` after `monitor`, then one monitored change.
 */
const TRANSCRIPT = `BABEL 1.0
version babeld-1.12.1
host vm
my-id a8:a3:3f:87:d8:ab:4d:f9
ok
add interface va8808 up true ipv6 fe80::40d6:dfff:fe3d:d4d4
add neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 0.419 rttcost 0 cost 96
add xroute fd00:1:2:a::/64-::/0 prefix fd00:1:2:a::/64 from ::/0 metric 0
add route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 96 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808
ok
add interface va8808 up true ipv6 fe80::40d6:dfff:fe3d:d4d4
add neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 0.419 rttcost 0 cost 96
add xroute fd00:1:2:a::/64-::/0 prefix fd00:1:2:a::/64 from ::/0 metric 0
add route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 96 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808
ok
change neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach 7fff ureach 0000 rxcost 96 txcost 96 rtt 0.380 rttcost 0 cost 96`.split(
  '\n',
);

/** A neighbour on a wired link of the same capture: without timestamps babeld prints no RTT. */
const WIRED_NEIGHBOUR =
  'add neighbour 55a5c6c191d0 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach fe00 ureach 0000 rxcost 96 txcost 96 cost 96';

const feed = (session: LocalSession, lines: readonly string[]): SessionOutput[] =>
  lines.flatMap((l) => session.receive(l));

describe('parseUpdate', () => {
  test('parses an interface, a neighbour, an xroute and a route from real babeld lines', () => {
    const [iface, neigh, xroute, route] = TRANSCRIPT.slice(5, 9).map(parseUpdate);
    expect(iface).toEqual({
      kind: 'add',
      type: 'interface',
      value: { name: 'va8808', up: true, ipv6: 'fe80::40d6:dfff:fe3d:d4d4', ipv4: null },
    });
    expect(neigh).toEqual({
      kind: 'add',
      type: 'neighbour',
      value: {
        id: '5605bfd1ee50',
        address: 'fe80::a8f8:9ff:fe6b:ee17',
        ifname: 'va8808',
        reach: 0xffff,
        ureach: 0,
        rxcost: 96,
        txcost: 96,
        rttMs: 0.419,
        rttCost: 0,
        cost: 96,
      },
    });
    expect(xroute).toEqual({
      kind: 'add',
      type: 'xroute',
      value: { id: 'fd00:1:2:a::/64-::/0', prefix: 'fd00:1:2:a::/64', from: '::/0', metric: 0 },
    });
    expect(route).toEqual({
      kind: 'add',
      type: 'route',
      value: {
        id: '5605bfd20050',
        prefix: 'fd00:1:2:b::/64',
        from: '::/0',
        installed: true,
        routerId: 'c0:49:80:3e:a4:38:c4:c5',
        metric: 96,
        refmetric: 0,
        via: 'fe80::a8f8:9ff:fe6b:ee17',
        ifname: 'va8808',
      },
    });
  });

  test('a neighbour without timestamps has no RTT', () => {
    const update = parseUpdate(WIRED_NEIGHBOUR);
    expect(update.type === 'neighbour' && update.value).toMatchObject({
      reach: 0xfe00,
      rttMs: null,
      rttCost: null,
    });
  });

  test('flush lines and down interfaces (the format of babeld local.c) parse', () => {
    expect(parseUpdate('flush interface vfb0 up false')).toEqual({
      kind: 'flush',
      type: 'interface',
      value: { name: 'vfb0', up: false, ipv6: null, ipv4: null },
    });
  });

  test('empty values keep later key/value pairs aligned and unknown keys are ignored', () => {
    const line =
      'add route 1 prefix fd00::/64 from ::/0 installed yes ecmp off tables  id 00:01 metric 96 refmetric 0 installed_rank 1 weight - via fe80::1 if vfb1';
    const update = parseUpdate(line);
    expect(update.type === 'route' && update.value).toMatchObject({
      routerId: '00:01',
      metric: 96,
      ifname: 'vfb1',
    });
  });

  test.each([
    ['ok', 'not an add/change/flush line'],
    ['add tunnel 1 x y', "unknown object type 'tunnel'"],
    ['add neighbour 1 address fe80::1 if', 'odd number of key/value tokens'],
    ['add xroute a prefix fd00::/64 from ::/0', "missing field 'metric'"],
    ['add xroute a prefix fd00::/64 from ::/0 metric -1', "field 'metric' is not an integer"],
    ['add interface x up maybe', "field 'up' is neither true nor false"],
  ])('rejects %j', (line, reason) => {
    expect(() => parseUpdate(line)).toThrow(BabelParseError);
    expect(() => parseUpdate(line)).toThrow(reason);
  });
});

describe('LocalSession', () => {
  test('reads the banner, asks for a dump, then monitors, as babeld expects', () => {
    const session = new LocalSession();
    expect(feed(session, TRANSCRIPT.slice(0, 5))).toEqual([{ type: 'send', command: 'dump' }]);

    const dump = feed(session, TRANSCRIPT.slice(5, 10));
    expect(dump).toHaveLength(2);
    const [snapshot, send] = dump;
    expect(snapshot?.type === 'snapshot' && snapshot.updates.map((u) => u.type)).toEqual([
      'interface',
      'neighbour',
      'xroute',
      'route',
    ]);
    expect(send).toEqual({ type: 'send', command: 'monitor' });
    expect(session.monitoring).toBe(false);

    const replay = feed(session, TRANSCRIPT.slice(10, 15));
    expect(replay.map((o) => o.type)).toEqual(['update', 'update', 'update', 'update', 'monitoring']);
    expect(replay[4]).toEqual({
      type: 'monitoring',
      banner: { version: 'babeld-1.12.1', host: 'vm', myId: 'a8:a3:3f:87:d8:ab:4d:f9' },
    });
    expect(session.monitoring).toBe(true);

    const [change] = feed(session, TRANSCRIPT.slice(15));
    expect(change?.type === 'update' && change.update).toMatchObject({
      kind: 'change',
      type: 'neighbour',
      value: { reach: 0x7fff, rttMs: 0.38 },
    });
  });

  test('fails on a socket that does not speak the babel protocol', () => {
    const session = new LocalSession();
    expect(session.receive('SSH-2.0-OpenSSH_9.2')).toEqual([
      { type: 'failed', reason: 'unexpected banner "SSH-2.0-OpenSSH_9.2"' },
    ]);
    expect(session.receive('ok')).toEqual([]);
  });

  test('fails when babeld refuses a command', () => {
    const session = new LocalSession();
    feed(session, TRANSCRIPT.slice(0, 5));
    expect(session.receive('no permission denied')).toEqual([
      { type: 'failed', reason: "babeld refused 'dump': no permission denied" },
    ]);
  });

  test('reports a malformed monitored line and keeps monitoring', () => {
    const session = new LocalSession();
    feed(session, TRANSCRIPT.slice(0, 15));
    const [bad] = session.receive('change route 1 prefix');
    expect(bad?.type).toBe('malformed');
    expect(session.monitoring).toBe(true);
    expect(session.receive(TRANSCRIPT[15]!)[0]?.type).toBe('update');
  });
});
