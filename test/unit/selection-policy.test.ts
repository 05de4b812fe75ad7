import { describe, expect, test } from 'vitest';
import {
  EXPLORER_SLOTS,
  MIN_REPLACEMENT_AGE_MS,
  PROXIMITY_RANDOM_CANDIDATES,
  selectTunnels,
} from '../../app/core/selection/policy';
import type {
  IncomingTunnel,
  OutgoingTunnel,
  PeerInfo,
  SelectionInput,
  SlotKind,
} from '../../app/core/selection/types';

const US = 100;
const prefix = (n: number): string => `fd00:0:0:${n.toString(16)}::/64`;
const peer = (n: number, extra: Partial<PeerInfo> = {}): PeerInfo => ({
  prefix: prefix(n),
  dead: false,
  full: false,
  ...extra,
});
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const OLD = MIN_REPLACEMENT_AGE_MS * 10;

function out(n: number, slot: SlotKind, extra: Partial<OutgoingTunnel> = {}): OutgoingTunnel {
  return {
    id: `out${n}`,
    prefix: prefix(n),
    direction: 'outgoing',
    slot,
    routeCount: 5,
    rttMs: 10,
    ageMs: OLD,
    draining: false,
    ...extra,
  };
}
function inc(n: number, extra: Partial<IncomingTunnel> = {}): IncomingTunnel {
  return {
    id: `in${n}`,
    prefix: prefix(n),
    direction: 'incoming',
    routeCount: 5,
    rttMs: 10,
    ageMs: OLD,
    draining: false,
    ...extra,
  };
}

function input(extra: Partial<SelectionInput> = {}): SelectionInput {
  return {
    ourPrefix: prefix(US),
    clientCount: 4,
    maxClients: 8,
    peers: range(1, 60).map((n) => peer(n)),
    tunnels: [],
    refreshDue: false,
    neighbourTunnelPeers: new Map(),
    candidateRtts: new Map(),
    seed: 1,
    ...extra,
  };
}

/** Runs the two-step protocol: decide, measure what it asks for with `rtt`, decide again. */
function decideWithProbes(base: SelectionInput, rtt: (p: string) => number | null) {
  const first = selectTunnels(base);
  const candidateRtts = new Map(first.probe.map((p) => [p, rtt(p)]));
  return { first, second: selectTunnels({ ...base, candidateRtts }) };
}

const numberOf = (p: string): number => parseInt(p.split(':')[3]!, 16);
const fullSlots = (): OutgoingTunnel[] => [
  out(1, 'explorer'),
  out(2, 'explorer'),
  out(3, 'proximity'),
  out(4, 'proximity'),
];

describe('filling slots', () => {
  test('on start, opens the explorer slots first, to distinct random peers, and nothing else', () => {
    const d = selectTunnels(input());
    expect(d.open).toHaveLength(EXPLORER_SLOTS);
    expect(d.open.every((o) => o.slot === 'explorer' && o.reason === 'fill' && o.replaces === null)).toBe(
      true,
    );
    expect(new Set(d.open.map((o) => o.prefix)).size).toBe(EXPLORER_SLOTS);
    expect(d.open[0]!.alternatives).not.toContain(d.open[1]!.prefix);
    expect(d.probe).toEqual([]);
  });

  test('then fills one proximity slot per decision with the nearest measured candidate', () => {
    const base = input({ tunnels: [out(1, 'explorer'), out(2, 'explorer')] });
    const { first, second } = decideWithProbes(base, (p) => numberOf(p));
    expect(first.open).toEqual([]);
    expect(first.probe).toHaveLength(PROXIMITY_RANDOM_CANDIDATES);
    const expected = [...first.probe].sort((a, b) => numberOf(a) - numberOf(b));
    expect(second.probe).toEqual([]);
    expect(second.open).toEqual([
      {
        prefix: expected[0],
        slot: 'proximity',
        reason: 'fill',
        replaces: null,
        alternatives: expected.slice(1, 5),
        lastResort: false,
      },
    ]);
  });

  test('the same seed draws the same candidates; another seed other ones', () => {
    const base = input({ tunnels: [out(1, 'explorer'), out(2, 'explorer')] });
    expect(selectTunnels(base).probe).toEqual(selectTunnels(base).probe);
    expect(selectTunnels({ ...base, seed: 2 }).probe).not.toEqual(selectTunnels(base).probe);
  });

  test('a candidate that did not answer its probe is not chosen', () => {
    const base = input({
      tunnels: [out(1, 'explorer'), out(2, 'explorer')],
      peers: [5, 6].map((n) => peer(n)),
    });
    const { second } = decideWithProbes(base, (p) => (p === prefix(5) ? null : 50));
    expect(second.open.map((o) => [o.prefix, o.alternatives])).toEqual([[prefix(6), []]]);
  });

  test('never opens more than k outgoing tunnels', () => {
    expect(selectTunnels(input({ clientCount: 1 })).open).toHaveLength(1);
    expect(selectTunnels(input({ tunnels: fullSlots() })).open).toEqual([]);
  });
});

describe('who may be chosen', () => {
  test('never ourselves, never a peer we already have a tunnel with (even draining), never a full peer', () => {
    const peers = [peer(US), peer(1), peer(2), peer(3, { full: true }), peer(4), peer(5)];
    const tunnels = [inc(1), out(2, 'explorer', { draining: true })];
    for (let seed = 0; seed < 50; seed++) {
      const d = selectTunnels(input({ peers, tunnels, seed }));
      expect(d.open.map((o) => o.prefix).sort()).toEqual([prefix(4), prefix(5)]);
      expect(d.open.flatMap((o) => o.alternatives).every((p) => p === prefix(4) || p === prefix(5))).toBe(
        true,
      );
    }
  });

  test('dead peers only when no live peer is left, flagged as a last resort', () => {
    const withLive = selectTunnels(input({ peers: [peer(1, { dead: true }), peer(2), peer(3)] }));
    expect(withLive.open.map((o) => [o.prefix, o.lastResort]).sort()).toEqual([
      [prefix(2), false],
      [prefix(3), false],
    ]);
    const onlyDead = selectTunnels(input({ peers: [peer(1, { dead: true }), peer(2)], tunnels: [inc(2)] }));
    expect(onlyDead.open.map((o) => [o.prefix, o.lastResort])).toEqual([[prefix(1), true]]);
  });

  test('a working tunnel is never replaced by a dead peer, even when it is due', () => {
    const tunnels = fullSlots().map((t, i) => ({ ...t, routeCount: i }));
    const d = selectTunnels(input({ tunnels, refreshDue: true, peers: [peer(50, { dead: true })] }));
    expect(d).toEqual({ open: [], drain: [], probe: [] });
  });

  test('without neighbour lists, samples peers and prefers low RTT (weight RTT^-3)', () => {
    const base = input({
      tunnels: [out(1, 'explorer'), out(2, 'explorer')],
      peers: [10, 11].map((n) => peer(n)),
      neighbourTunnelPeers: null,
    });
    const picks = { near: 0, far: 0 };
    for (let seed = 0; seed < 900; seed++) {
      const { second } = decideWithProbes({ ...base, seed }, (p) => (p === prefix(10) ? 10 : 20));
      picks[second.open[0]!.prefix === prefix(10) ? 'near' : 'far'] += 1;
    }
    // (1/10)^3 : (1/20)^3 = 8 : 1, so 800 of 900 expected.
    expect(picks.near).toBeGreaterThan(740);
    expect(picks.near).toBeLessThan(860);
  });
});

describe('refresh', () => {
  const withRoutes = (counts: number[], extra: Partial<OutgoingTunnel>[] = []): OutgoingTunnel[] =>
    fullSlots().map((t, i) => ({ ...t, routeCount: counts[i]!, ...extra[i] }));

  test('nothing is replaced before the refresh period is due', () => {
    const d = selectTunnels(input({ tunnels: withRoutes([9, 0, 9, 9]) }));
    expect(d).toEqual({ open: [], drain: [], probe: [] });
  });

  test('the explorer with the fewest routes is replaced by a random peer and drained', () => {
    const d = selectTunnels(input({ tunnels: withRoutes([9, 0, 9, 9]), refreshDue: true }));
    expect(d.open).toHaveLength(1);
    expect(d.open[0]).toMatchObject({ slot: 'explorer', reason: 'replace', replaces: 'out2' });
    expect(d.probe).toEqual([]);
    expect(d.drain).toEqual([{ tunnelId: 'out2', prefix: prefix(2), reason: 'fewest-routes' }]);
  });

  test('a proximity tunnel is swapped only for a candidate under 0.9 × its RTT', () => {
    const tunnels = withRoutes([9, 9, 0, 9], [{}, {}, { rttMs: 100 }]);
    const base = input({ tunnels, refreshDue: true, peers: [peer(20)] });
    const kept = decideWithProbes(base, () => 91).second;
    expect(kept).toEqual({ open: [], drain: [], probe: [] });
    const swapped = decideWithProbes(base, () => 89).second;
    expect(swapped.open).toMatchObject([
      { prefix: prefix(20), slot: 'proximity', reason: 'replace', replaces: 'out3' },
    ]);
    expect(swapped.drain).toEqual([{ tunnelId: 'out3', prefix: prefix(3), reason: 'fewest-routes' }]);
  });

  test("proximity candidates include our proximity neighbours' tunnel peers we know and are not linked to", () => {
    const lists = new Map([
      [prefix(3), [prefix(40), prefix(1), prefix(99), prefix(US)]],
      [prefix(1), [prefix(41)]],
    ]);
    const base = input({ tunnels: withRoutes([9, 9, 9, 0]), refreshDue: true, neighbourTunnelPeers: lists });
    const { probe } = selectTunnels(base);
    expect(probe).toContain(prefix(40));
    expect(probe).not.toContain(prefix(41)); // a neighbour of an explorer
    expect(probe).not.toContain(prefix(99)); // unknown: no address record
    expect(probe).not.toContain(prefix(1)); // already linked
    expect(probe).not.toContain(prefix(US));
    expect(probe.length).toBe(1 + PROXIMITY_RANDOM_CANDIDATES);
  });

  test('the least useful tunnel is the one with fewest routes, then worst RTT, then a random one', () => {
    const victim = (tunnels: OutgoingTunnel[], seed = 1): string | undefined =>
      decideWithProbes(input({ tunnels, refreshDue: true, seed }), () => 0).second.drain[0]?.tunnelId;
    expect(victim(withRoutes([3, 3, 3, 2]))).toBe('out4');
    expect(victim(withRoutes([3, 3, 3, 3], [{ rttMs: 50 }, { rttMs: null }, { rttMs: 40 }]))).toBe('out2');
    const tied = new Set(range(0, 40).map((seed) => victim(withRoutes([1, 1, 9, 9]), seed)));
    expect(tied).toEqual(new Set(['out1', 'out2']));
  });

  test(`a tunnel younger than ${MIN_REPLACEMENT_AGE_MS} ms is not replaced, however few its routes`, () => {
    const tunnels = withRoutes([0, 5, 9, 9], [{ ageMs: MIN_REPLACEMENT_AGE_MS - 1 }]);
    const d = selectTunnels(input({ tunnels, refreshDue: true }));
    expect(d.open[0]?.replaces).toBe('out2');
  });
});

describe('draining what must go', () => {
  test('a tunnel to ourselves is drained', () => {
    const d = selectTunnels(input({ tunnels: [...fullSlots(), inc(US)] }));
    expect(d.drain).toEqual([{ tunnelId: `in${US}`, prefix: prefix(US), reason: 'self' }]);
  });

  test('of two tunnels to one peer, both ends keep the one opened by the smaller prefix', () => {
    const pair = [out(7, 'proximity'), inc(7)];
    const smaller = selectTunnels(input({ ourPrefix: prefix(1), tunnels: pair }));
    expect(smaller.drain).toEqual([{ tunnelId: 'in7', prefix: prefix(7), reason: 'duplicate' }]);
    const larger = selectTunnels(input({ ourPrefix: prefix(200), tunnels: pair }));
    expect(larger.drain).toEqual([{ tunnelId: 'out7', prefix: prefix(7), reason: 'duplicate' }]);
  });

  test('outgoing beyond k and incoming beyond m are drained, least useful first', () => {
    const tunnels = [
      ...fullSlots(),
      out(5, 'proximity', { routeCount: 0 }),
      inc(8, { routeCount: 1 }),
      inc(9),
    ];
    const d = selectTunnels(input({ tunnels, maxClients: 1 }));
    expect(d.drain).toEqual([
      { tunnelId: 'out5', prefix: prefix(5), reason: 'over-capacity' },
      { tunnelId: 'in8', prefix: prefix(8), reason: 'over-capacity' },
    ]);
    expect(d.open).toEqual([]);
  });
});
