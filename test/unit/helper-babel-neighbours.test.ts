/** babeld's neighbour lines as the helper reads them to know when a re-declared interface is back. */
import { describe, expect, it } from 'vitest';
import { parseNeighbours } from '../../helper/babel/neighbours';

describe('babel neighbours from a dump', () => {
  it('keeps neighbour lines only, usable when heard and hearing us', () => {
    const lines = [
      'add interface vfbs-udp up true ipv6 fe80::98b1:5dff:fe58:fb33',
      'add neighbour 558c43631910 address fe80::f83e:28ff:fedf:33e6 if vfbs-udp reach ffff ureach 0000 rxcost 96 txcost 96 rtt 1.420 rttcost 0 cost 96',
      'add neighbour 558c43633ab0 address fe80::8490:89ff:fe58:1322 if vfbs-udp reach 0000 ureach 0000 rxcost 65535 txcost 96 rtt 0.944 rttcost 0 cost 65535',
      'add neighbour 558c436311d0 address fe80::ccb4:20ff:fe0f:f66a if vfbc-2180f100 reach ff00 ureach 0000 rxcost 96 txcost 65535 rttcost 0 cost 65535',
      'add route 558c43632240 prefix fd7a:bb68:ace6:2::/64 from ::/0 installed yes id fc:99 metric 96 refmetric 0 via fe80::f83e:28ff:fedf:33e6 if vfbs-udp',
    ];
    expect(parseNeighbours(lines)).toEqual([
      { id: '558c43631910', address: 'fe80::f83e:28ff:fedf:33e6', ifname: 'vfbs-udp', usable: true },
      { id: '558c43633ab0', address: 'fe80::8490:89ff:fe58:1322', ifname: 'vfbs-udp', usable: false },
      { id: '558c436311d0', address: 'fe80::ccb4:20ff:fe0f:f66a', ifname: 'vfbc-2180f100', usable: false },
    ]);
  });
});
