import { describe, expect, test } from 'vitest';
import { parseUpdate, type BabelUpdate } from '../../app/core/babel/dump-parser';
import { RoutingTable } from '../../app/core/babel/routing-table';

/**
 * babeld 1.12.1 (`type tunnel hello-interval 0.2`) watching its only neighbour die: the dump,
 * then the monitored lines after the neighbour's babeld was killed with SIGKILL (abridged: the
 * repeated hello-by-hello lines in between are left out).
 */
const DUMP = [
  'add interface va8808 up true ipv6 fe80::40d6:dfff:fe3d:d4d4',
  'add neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach ffff ureach 0000 rxcost 96 txcost 96 rtt 0.419 rttcost 0 cost 96',
  'add xroute fd00:1:2:a::/64-::/0 prefix fd00:1:2:a::/64 from ::/0 metric 0',
  'add route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 96 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808',
].map(parseUpdate);
const SAME_ROUTE_AGAIN = parseUpdate(
  'change route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 96 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808',
);
const RETRACTED = parseUpdate(
  'change route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed yes id c0:49:80:3e:a4:38:c4:c5 metric 65535 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808',
);
const FLUSH_ROUTE = parseUpdate(
  'flush route 5605bfd20050 prefix fd00:1:2:b::/64 from ::/0 installed no id c0:49:80:3e:a4:38:c4:c5 metric 65535 refmetric 0 via fe80::a8f8:9ff:fe6b:ee17 if va8808',
);
const FLUSH_NEIGHBOUR = parseUpdate(
  'flush neighbour 5605bfd1ee50 address fe80::a8f8:9ff:fe6b:ee17 if va8808 reach 0000 ureach 0000 rxcost 65535 txcost 65535 rtt 0.380 rttcost 0 cost 65535',
);

function tableWithEvents(): { table: RoutingTable; events: BabelUpdate[] } {
  const table = new RoutingTable();
  const events: BabelUpdate[] = [];
  table.onDidChange((e) => events.push(e));
  return { table, events };
}

describe('RoutingTable', () => {
  test('a dump gives the neighbour, the route, and the route count and RTT of the tunnel', () => {
    const { table, events } = tableWithEvents();
    table.reset(DUMP);
    expect(events.map((e) => `${e.kind} ${e.type}`)).toEqual([
      'add interface',
      'add neighbour',
      'add xroute',
      'add route',
    ]);
    expect(table.selectedRoute('fd00:1:2:b::/64')?.via).toBe('fe80::a8f8:9ff:fe6b:ee17');
    expect(table.interfaceStats().get('va8808')).toEqual({ routeCount: 1, rttMs: 0.419 });
    expect(table.neighbourStats().get('5605bfd1ee50')).toEqual({ routeCount: 1, rttMs: 0.419 });
  });

  test('babeld repeating an unchanged object is not a change', () => {
    const { table, events } = tableWithEvents();
    table.reset(DUMP);
    events.length = 0;
    expect(table.apply(SAME_ROUTE_AGAIN)).toBe(false);
    expect(table.apply(DUMP[0]!)).toBe(false);
    expect(events).toEqual([]);
  });

  test('a retracted route (metric infinity) no longer counts, even while still installed', () => {
    const { table, events } = tableWithEvents();
    table.reset(DUMP);
    expect(table.apply(RETRACTED)).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: 'change', type: 'route', value: { metric: 65535 } });
    expect(table.routes.get('5605bfd20050')?.installed).toBe(true);
    expect(table.selectedRoute('fd00:1:2:b::/64')).toBeUndefined();
    expect(table.interfaceStats().get('va8808')?.routeCount).toBe(0);
  });

  test('flush lines remove the route and the neighbour; the interface stays with no RTT', () => {
    const { table, events } = tableWithEvents();
    table.reset(DUMP);
    table.apply(FLUSH_ROUTE);
    table.apply(FLUSH_NEIGHBOUR);
    expect(events.slice(-2).map((e) => `${e.kind} ${e.type}`)).toEqual(['flush route', 'flush neighbour']);
    expect(table.routes.size).toBe(0);
    expect(table.neighbours.size).toBe(0);
    expect(table.interfaceStats().get('va8808')).toEqual({ routeCount: 0, rttMs: null });
    expect(table.apply(FLUSH_ROUTE)).toBe(false);
  });

  test('an add for a known object with new fields is reported as a change, a change for an unknown one as an add', () => {
    const { table, events } = tableWithEvents();
    table.apply(RETRACTED);
    table.apply({ ...DUMP[3]! });
    expect(events.map((e) => e.kind)).toEqual(['add', 'change']);
  });

  test('reset flushes what the new snapshot lacks and keeps what it repeats', () => {
    const { table, events } = tableWithEvents();
    table.reset(DUMP);
    events.length = 0;
    table.reset([DUMP[0]!, DUMP[2]!]);
    expect(events.map((e) => `${e.kind} ${e.type}`)).toEqual(['flush route', 'flush neighbour']);
    expect([...table.interfaces.keys()]).toEqual(['va8808']);
    expect(table.xroutes.size).toBe(1);
  });

  test('after dispose, changes still apply but nobody is called', () => {
    const { table, events } = tableWithEvents();
    table.dispose();
    expect(table.apply(DUMP[0]!)).toBe(true);
    expect(events).toEqual([]);
  });
});
