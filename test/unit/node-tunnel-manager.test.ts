/**
 * The tunnel manager's decisions, driven tick by tick with a fake clock, the real selection
 * policy and a real (in-memory) peer DB. The helper and the babel monitor are replaced by
 * recorders whose state the tests set, since what is checked here is what the manager asks of
 * them; test/integration/node-pair.test.ts runs the same code against the real programs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/core/log';
import { clientDevice, peerName } from '../../app/core/node/addressing';
import { zeroCounters, type Counters } from '../../app/core/node/status';
import { drainDeadlineMs, drainGraceMs } from '../../app/core/node/drain-timing';
import { TunnelManager, UP_DEADLINE_MS } from '../../app/core/node/tunnel-manager';
import type {
  IncomingLink,
  LinkAttributes,
  LinkView,
  TunnelHelper,
  TunnelManagerOptions,
  TunnelTarget,
  TunnelTuning,
} from '../../app/core/node/tunnel-ports';
import { PeerDb } from '../../app/core/peers/peer-db';
import type { Peer } from '../../app/core/peers/peer-record';
import { MIN_REPLACEMENT_AGE_MS } from '../../app/core/selection/policy';

const quiet = createLogger({ scope: 'test', level: 'error', sink: () => undefined });
const HELLO_S = 0.5;
/** The metric the recording helper's drain reports. */
const DRAIN_METRIC = 4096;
const REFRESH_MS = 120_000;

/** Peer number `n`'s prefix: fd00:0:0:<n>::/64 (so a smaller n is a smaller prefix as text). */
const prefix = (n: number): string => `fd00:0:0:${n}::/64`;
const OUR = prefix(5);
/** Device of instance `i` of a tunnel to peer `n`. */
const dev = (n: number, i = 0): string => clientDevice(prefix(n), i);

class RecordingHelper implements TunnelHelper {
  readonly calls: string[] = [];
  babelDevices: readonly string[] = [];
  readonly refuse = new Set<string>();

  connect(device: string, target: TunnelTarget): Promise<void> {
    this.calls.push(`connect ${device} ${target.host}:${target.port} ${target.peerName}`);
    return this.refuse.has(device) ? Promise.reject(new Error('refused')) : Promise.resolve();
  }
  setClientDevices(devices: readonly string[]): Promise<void> {
    this.babelDevices = [...devices];
    return Promise.resolve();
  }
  drain(device: string): Promise<number> {
    this.calls.push(`drain ${device}`);
    return Promise.resolve(DRAIN_METRIC);
  }
  disconnect(device: string): Promise<void> {
    this.calls.push(`disconnect ${device}`);
    return Promise.resolve();
  }
  connected(): string[] {
    return this.calls.filter((c) => c.startsWith('connect ')).map((c) => c.split(' ')[1]!);
  }
}

class Links implements LinkView {
  readonly devices = new Map<string, LinkAttributes>();
  incomingLinks: IncomingLink[] = [];
  device(device: string): LinkAttributes | undefined {
    return this.devices.get(device);
  }
  incoming(): IncomingLink[] {
    return this.incomingLinks;
  }
  /** Routes the far end still sends through us, by device. */
  readonly throughUs = new Map<string, number>();
  routesThroughUs(device: string, drainMetric: number): number {
    expect(drainMetric).toBe(DRAIN_METRIC);
    return this.throughUs.get(device) ?? 0;
  }
  routes(n: number, count: number, rttMs: number | null = null): void {
    this.devices.set(dev(n), { routeCount: count, rttMs });
  }
}

describe('tunnel manager', () => {
  let now: number;
  let peers: PeerDb;
  let helper: RecordingHelper;
  let links: Links;
  let counters: Counters;
  let rtts: Map<string, number>;
  let neighbourLists: Map<string, string[]> | null;
  let full: Set<string>;

  const addPeers = (...numbers: number[]): void => {
    peers.upsertMany(
      numbers.map((n) => ({
        prefix: prefix(n),
        recordJson: '{}',
        timestamp: 1,
        addresses: [{ host: `198.18.0.${n}`, port: 1194, protocol: 'udp' as const }],
        certSerial: `a${n}`,
        certExpiresAt: now + 365 * 86_400_000,
      })),
    );
  };

  const manager = (options: Partial<TunnelManagerOptions> = {}): TunnelManager =>
    new TunnelManager({
      ourPrefix: OUR,
      clientCount: 2,
      maxClients: 4,
      refreshMs: REFRESH_MS,
      helloIntervalS: HELLO_S,
      helper,
      links,
      peers,
      probe: (peer: Peer) => Promise.resolve(rtts.get(peer.prefix) ?? null),
      neighbourTunnelPeers: () => neighbourLists,
      fullPeers: () => full,
      now: () => now,
      seed: () => 42,
      counters,
      logger: quiet,
      ...options,
    });

  beforeEach(async () => {
    now = 1_800_000_000_000;
    peers = await PeerDb.open(':memory:', { now: () => now, logger: quiet });
    helper = new RecordingHelper();
    links = new Links();
    counters = zeroCounters();
    rtts = new Map();
    neighbourLists = null;
    full = new Set();
  });

  afterEach(() => peers.close());

  it('fills the explorer slots on the first tick and runs babeld on the new devices', async () => {
    addPeers(1, 2, 3);
    const m = manager();
    await m.tick();
    const opened = helper.connected();
    expect(opened).toHaveLength(2);
    expect(helper.babelDevices).toEqual([...opened].sort());
    expect(m.tunnels().map((t) => [t.state, t.slot, t.direction])).toEqual([
      ['opening', 'explorer', 'outgoing'],
      ['opening', 'explorer', 'outgoing'],
    ]);
    for (const t of m.tunnels()) {
      const n = [1, 2, 3].find((i) => prefix(i) === t.prefix)!;
      expect(helper.calls).toContain(`connect ${t.device} 198.18.0.${n}:1194 ${peerName(t.prefix)}`);
    }
    expect(counters.tunnelsOpened).toBe(2);
    // nothing more while they open
    await m.tick();
    expect(helper.connected()).toHaveLength(2);
  });

  it('counts a tunnel that comes up as a success, one that does not as a failure, and replaces it', async () => {
    addPeers(1, 2, 3);
    const m = manager();
    await m.tick();
    const [up, late] = m.tunnels();
    m.markUp(up!.device);
    expect(peers.get(up!.prefix)!.lastSuccess).toBe(now);
    now += UP_DEADLINE_MS - 1;
    await m.tick();
    expect(helper.calls).not.toContain(`disconnect ${late!.device}`);
    now += 1;
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${late!.device}`);
    expect(peers.get(late!.prefix)!.consecutiveFailures).toBe(1);
    expect(counters).toMatchObject({ tunnelsUp: 1, tunnelsFailed: 1 });
    // the freed slot goes to the one peer left, in the same tick
    const third = [1, 2, 3].map(prefix).find((p) => p !== up!.prefix && p !== late!.prefix)!;
    expect(
      m
        .tunnels()
        .map((t) => t.prefix)
        .sort(),
    ).toEqual([up!.prefix, third].sort());
  });

  it('counts a helper refusal as a failure at once', async () => {
    addPeers(1);
    helper.refuse.add(dev(1));
    const m = manager();
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${dev(1)}`);
    expect(peers.get(prefix(1))!.consecutiveFailures).toBe(1);
    expect(m.tunnels()).toEqual([]);
  });

  it('fails a tunnel whose session stays down for the deadline after it was up', async () => {
    addPeers(1);
    const m = manager({ clientCount: 1 });
    await m.tick();
    const device = dev(1);
    m.markUp(device);
    now += 1_000;
    m.markDown(device);
    now += UP_DEADLINE_MS - 1;
    await m.tick();
    expect(m.tunnels()).toHaveLength(1);
    m.markUp(device); // it came back: the clock restarts
    m.markDown(device);
    now += UP_DEADLINE_MS;
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${device}`);
    expect(peers.get(prefix(1))!.consecutiveFailures).toBe(1);
  });

  it('never opens a tunnel to a peer that has one to us, to a full peer, or a second one to a peer', async () => {
    addPeers(1, 2, 3);
    links.incomingLinks = [{ prefix: prefix(1), device: 'vfbs-udp', routeCount: 1, rttMs: 2 }];
    full.add(prefix(2));
    const m = manager();
    for (let i = 0; i < 3; i++) await m.tick();
    expect(helper.connected()).toEqual([dev(3)]);
    expect(m.full).toBe(false);
    expect(m.tunnels().find((t) => t.direction === 'incoming')).toMatchObject({
      prefix: prefix(1),
      peer: peerName(prefix(1)),
      device: 'vfbs-udp',
      routes: 1,
      rttMs: 2,
      slot: null,
    });
  });

  it('reports itself full once incoming tunnels reach maxClients', async () => {
    links.incomingLinks = [1, 2].map((n) => ({
      prefix: prefix(n),
      device: 'vfbs-udp',
      routeCount: 1,
      rttMs: null,
    }));
    const m = manager({ maxClients: 2 });
    await m.tick();
    expect(m.full).toBe(true);
    expect(m.tunnelPeers().sort()).toEqual([prefix(1), prefix(2)]);
  });

  it('of a duplicate, the end with the larger prefix drains its own tunnel until no route uses it and the grace passed', async () => {
    addPeers(1); // our prefix (5) is larger: we give up our tunnel
    const m = manager();
    await m.tick();
    const device = dev(1);
    m.markUp(device);
    links.routes(1, 1);
    links.incomingLinks = [{ prefix: prefix(1), device: 'vfbs-udp', routeCount: 0, rttMs: null }];
    await m.tick();
    expect(helper.calls).toContain(`drain ${device}`);
    expect(m.tunnels().find((t) => t.device === device)!.state).toBe('draining');
    now += 1_000;
    await m.tick();
    expect(helper.calls).not.toContain(`disconnect ${device}`);
    links.routes(1, 0);
    await m.tick();
    expect(helper.calls).not.toContain(`disconnect ${device}`); // the far end may still use it
    now += drainGraceMs(HELLO_S) - 1_000;
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${device}`);
    expect(counters.tunnelsDrained).toBe(1);
    expect(m.tunnels().map((t) => t.direction)).toEqual(['incoming']);
  });

  it('of a duplicate, the end with the smaller prefix keeps its tunnel', async () => {
    addPeers(9);
    const m = manager();
    await m.tick();
    m.markUp(dev(9));
    links.incomingLinks = [{ prefix: prefix(9), device: 'vfbs-udp', routeCount: 0, rttMs: null }];
    for (let i = 0; i < 3; i++) await m.tick();
    expect(helper.calls.filter((c) => !c.startsWith('connect'))).toEqual([]);
  });

  it('counts a peer whose session died while its tunnel drained as a failure, not a drain', async () => {
    addPeers(1);
    const m = manager({ clientCount: 1 });
    await m.tick();
    const device = dev(1);
    m.markUp(device);
    expect(peers.get(prefix(1))!.consecutiveFailures).toBe(0);
    m.beginShutdown();
    await m.tick();
    m.markDown(device);
    now += drainDeadlineMs(HELLO_S);
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${device}`);
    expect(peers.get(prefix(1))!.consecutiveFailures).toBe(1);
  });

  it('closes a drained tunnel at the drain deadline even when routes stay on it', async () => {
    addPeers(1, 2, 3);
    const m = manager();
    await m.tick();
    for (const t of m.tunnels()) m.markUp(t.device);
    m.beginShutdown();
    for (const t of m.tunnels()) links.devices.set(t.device, { routeCount: 2, rttMs: null });
    await m.tick();
    expect(m.idle).toBe(false);
    now += drainDeadlineMs(HELLO_S) - 1;
    await m.tick();
    expect(m.idle).toBe(false);
    now += 1;
    await m.tick();
    expect(m.idle).toBe(true);
    expect(helper.calls.filter((c) => c.startsWith('disconnect'))).toHaveLength(2);
    expect(helper.calls.filter((c) => c.startsWith('drain'))).toHaveLength(2);
    expect(helper.connected()).toHaveLength(2); // no new tunnel while stopping
  });

  /** Two tunnels up since `now`, one carrying fewer routes (the one a refresh replaces). */
  const twoTunnelsUp = async (): Promise<TunnelManager> => {
    addPeers(1, 2, 3, 4);
    const m = manager();
    await m.tick();
    const [busy, quiet] = m.tunnels();
    for (const t of [busy!, quiet!]) m.markUp(t.device);
    links.devices.set(busy!.device, { routeCount: 3, rttMs: 5 });
    links.devices.set(quiet!.device, { routeCount: 1, rttMs: 5 });
    return m;
  };

  it('replaces the least used tunnel at refresh time, and drains it only once babel routes over the new one', async () => {
    const m = await twoTunnelsUp();
    const [busy, quiet] = m.tunnels();
    now += MIN_REPLACEMENT_AGE_MS;
    await m.tick();
    expect(helper.connected()).toHaveLength(2); // refresh not due yet
    now += REFRESH_MS;
    await m.tick();
    const opened = helper.connected();
    expect(opened).toHaveLength(3);
    const replacement = opened[2]!;
    expect([busy!.device, quiet!.device]).not.toContain(replacement);
    expect(m.tunnels().find((t) => t.device === quiet!.device)!.state).toBe('up');
    m.markUp(replacement);
    await m.tick();
    expect(m.tunnels().find((t) => t.device === quiet!.device)!.state).toBe('up'); // no route yet
    links.devices.set(replacement, { routeCount: 1, rttMs: 5 });
    await m.tick();
    expect(m.tunnels().find((t) => t.device === quiet!.device)!.state).toBe('draining');
    expect(m.tunnels().find((t) => t.device === busy!.device)!.state).toBe('up');
    expect(helper.calls).toContain(`drain ${quiet!.device}`);
    expect(helper.connected()).toHaveLength(3);
  });

  it('drains a replaced tunnel at the deadline when its replacement never carries a route', async () => {
    addPeers(1, 2, 3);
    const m = manager({ clientCount: 1 });
    await m.tick();
    const [old] = m.tunnels();
    m.markUp(old!.device);
    m.requestRotation(old!.prefix);
    await m.tick();
    const replacement = helper.connected()[1]!;
    m.markUp(replacement);
    now += drainDeadlineMs(HELLO_S) - 1;
    await m.tick();
    expect(helper.calls).not.toContain(`drain ${old!.device}`);
    now += 1;
    await m.tick();
    expect(helper.calls).toContain(`drain ${old!.device}`);
  });

  it('rotates a tunnel on request: a new tunnel to another peer, then drain and close of the old one', async () => {
    addPeers(1, 2, 3);
    const m = manager();
    await m.tick();
    const [old, kept] = m.tunnels();
    for (const t of [old!, kept!]) m.markUp(t.device);
    expect(() => m.requestRotation(prefix(7))).toThrow(/no outgoing tunnel/);
    expect(m.requestRotation(old!.device)).toBe(old!.device);
    await m.tick();
    const replacement = helper.connected()[2]!;
    expect([dev(1), dev(2), dev(3)]).toContain(replacement);
    expect([old!.device, kept!.device]).not.toContain(replacement);
    expect(() => m.requestRotation(old!.prefix)).toThrow(/already being replaced/);
    m.markUp(replacement);
    links.devices.set(replacement, { routeCount: 1, rttMs: null });
    links.devices.set(old!.device, { routeCount: 2, rttMs: null });
    await m.tick();
    expect(helper.calls).toContain(`drain ${old!.device}`);
    links.devices.set(old!.device, { routeCount: 0, rttMs: null });
    links.throughUs.set(old!.device, 1); // the far end still routes something through us
    now += drainGraceMs(HELLO_S);
    await m.tick();
    expect(helper.calls).not.toContain(`disconnect ${old!.device}`);
    links.throughUs.set(old!.device, 0);
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${old!.device}`);
    expect(
      m
        .tunnels()
        .map((t) => t.device)
        .sort(),
    ).toEqual([kept!.device, replacement].sort());
    expect(helper.connected()).toHaveLength(3);
  });

  it('never gives a drained device name to a new tunnel', async () => {
    addPeers(1);
    const m = manager({ clientCount: 1 });
    m.adopt([], [dev(1, 0)]);
    await m.tick();
    expect(helper.connected()).toEqual([dev(1, 1)]);
  });

  it('keeps the tunnel being replaced when its replacement fails', async () => {
    addPeers(1, 2, 3);
    const m = manager();
    await m.tick();
    const tunnels = m.tunnels();
    for (const t of tunnels) m.markUp(t.device);
    links.devices.set(tunnels[0]!.device, { routeCount: 3, rttMs: 5 });
    links.devices.set(tunnels[1]!.device, { routeCount: 1, rttMs: 5 });
    now += REFRESH_MS;
    await m.tick();
    const replacement = helper.connected()[2]!;
    now += UP_DEADLINE_MS;
    await m.tick();
    expect(helper.calls).toContain(`disconnect ${replacement}`);
    expect(m.tunnels().map((t) => t.state)).toEqual(['up', 'up']);
    expect(helper.calls.some((c) => c.startsWith('cost'))).toBe(false);
  });

  it('probes candidates for a proximity slot and takes the nearest', async () => {
    addPeers(1, 2, 3, 4, 6, 7);
    for (const [n, rtt] of [
      [1, 40],
      [2, 30],
      [3, 20],
      [4, 8],
      [6, 3],
      [7, 12],
    ] as const)
      rtts.set(prefix(n), rtt);
    const m = manager({ clientCount: 3 });
    await m.tick();
    const explorers = m.tunnels().map((t) => t.prefix);
    expect(explorers).toHaveLength(2);
    for (const t of m.tunnels()) {
      m.markUp(t.device);
      links.devices.set(t.device, { routeCount: 1, rttMs: 10 });
    }
    neighbourLists = new Map(explorers.map((p) => [p, [prefix(6)]]));
    await m.tick();
    const left = [1, 2, 3, 4, 6, 7].map(prefix).filter((p) => !explorers.includes(p));
    expect(counters.probesSent).toBe(left.length);
    expect(counters.probesAnswered).toBe(left.length);
    const nearest = left.reduce((a, b) => (rtts.get(a)! <= rtts.get(b)! ? a : b));
    expect(m.tunnels().find((t) => t.slot === 'proximity')).toMatchObject({
      prefix: nearest,
      rttMs: rtts.get(nearest),
    });
    // measured RTTs are kept: no probe again at the next tick
    await m.tick();
    expect(counters.probesSent).toBe(left.length);
  });

  it('adopts the client tunnels the helper already runs and does not open them again', async () => {
    addPeers(1, 2);
    const m = manager();
    m.adopt([
      { device: dev(1, 3), peerName: peerName(prefix(1)), up: true },
      { device: 'vfbs-udp', peerName: peerName(prefix(2)), up: true },
      { device: dev(2, 0), up: true },
    ]);
    // matched by the peer name, whatever the instance in the device name
    expect(m.tunnels()).toMatchObject([
      { prefix: prefix(1), device: dev(1, 3), state: 'up', slot: 'explorer' },
    ]);
    await m.tick();
    expect(helper.connected()).toEqual([dev(2)]);
    expect(helper.babelDevices).toEqual([dev(1, 3), dev(2)].sort());
  });

  it('forgets tunnels the helper lost without blaming the peer', async () => {
    addPeers(1);
    const m = manager({ clientCount: 1 });
    await m.tick();
    m.forgetMissing(new Set());
    expect(m.tunnels()).toEqual([]);
    expect(peers.get(prefix(1))!.consecutiveFailures).toBe(0);
    await m.tick();
    expect(helper.connected()).toEqual([dev(1), dev(1)]);
  });

  describe('settings taken while running (configure)', () => {
    /** The options of {@link manager} with `change` over them. */
    const tuning = (change: Partial<TunnelTuning>): TunnelTuning => ({
      clientCount: 2,
      maxClients: 4,
      refreshMs: REFRESH_MS,
      helloIntervalS: HELLO_S,
      ...change,
    });

    it('drains the surplus tunnel at the next decision when clientCount drops, and closes it only once drained', async () => {
      addPeers(1, 2, 3);
      const m = manager();
      await m.tick();
      const [busy, quiet] = m.tunnels();
      for (const t of [busy!, quiet!]) m.markUp(t.device);
      links.devices.set(busy!.device, { routeCount: 3, rttMs: 5 });
      links.devices.set(quiet!.device, { routeCount: 1, rttMs: 5 });
      m.configure(tuning({ clientCount: 1 }));
      expect(helper.calls.filter((c) => !c.startsWith('connect'))).toEqual([]); // nothing until the tick
      await m.tick();
      expect(helper.calls).toContain(`drain ${quiet!.device}`);
      expect(helper.calls).not.toContain(`disconnect ${quiet!.device}`);
      expect(m.tunnels().map((t) => [t.device, t.state])).toEqual([
        [busy!.device, 'up'],
        [quiet!.device, 'draining'],
      ]);
      expect(helper.connected()).toHaveLength(2); // no replacement for the dropped slot
      links.devices.set(quiet!.device, { routeCount: 0, rttMs: 5 });
      now += drainGraceMs(HELLO_S);
      await m.tick();
      expect(helper.calls).toContain(`disconnect ${quiet!.device}`);
      expect(counters).toMatchObject({ tunnelsDrained: 1, tunnelsFailed: 0 });
      expect(peers.get(quiet!.prefix)!.consecutiveFailures).toBe(0);
      expect(m.tunnels().map((t) => t.device)).toEqual([busy!.device]);
    });

    it('opens another tunnel at the next decision when clientCount rises', async () => {
      addPeers(1, 2, 3, 4);
      const m = manager({ clientCount: 1 });
      await m.tick();
      m.markUp(helper.connected()[0]!);
      await m.tick();
      expect(helper.connected()).toHaveLength(1);
      m.configure(tuning({ clientCount: 2 }));
      await m.tick();
      expect(helper.connected()).toHaveLength(2);
      expect(m.tunnels().map((t) => t.slot)).toEqual(['explorer', 'explorer']);
    });

    it('a shorter tunnelRefresh brings the next refresh forward', async () => {
      const start = now;
      const m = await twoTunnelsUp();
      m.configure(tuning({ refreshMs: 90_000 }));
      now = start + 90_000 - 1;
      await m.tick();
      expect(helper.connected()).toHaveLength(2);
      now = start + 90_000;
      await m.tick();
      expect(helper.connected()).toHaveLength(3); // the replacement of the quiet tunnel
    });

    it('a longer tunnelRefresh puts the next refresh off', async () => {
      const start = now;
      const m = await twoTunnelsUp();
      m.configure(tuning({ refreshMs: 2 * REFRESH_MS }));
      now = start + REFRESH_MS;
      await m.tick();
      expect(helper.connected()).toHaveLength(2); // the old period would have refreshed here
      now = start + 2 * REFRESH_MS;
      await m.tick();
      expect(helper.connected()).toHaveLength(3);
    });

    it('a new maxClients sets the full flag', async () => {
      links.incomingLinks = [{ prefix: prefix(1), device: 'vfbs-udp', routeCount: 1, rttMs: null }];
      const m = manager();
      await m.tick();
      expect(m.full).toBe(false);
      m.configure(tuning({ maxClients: 1 }));
      expect(m.full).toBe(true);
    });
  });

  it('closes a lost session at once as a failure of the peer, and refills the slot at the next tick', async () => {
    addPeers(1, 2);
    const m = manager({ clientCount: 1 });
    await m.tick();
    const [lost] = helper.connected();
    expect(await m.closeLostSession(lost!, 'no answer after resume')).toBe(false); // still opening
    m.markUp(lost!);
    expect(await m.closeLostSession(lost!, 'no answer after resume')).toBe(true);
    expect(helper.calls).toContain(`disconnect ${lost}`);
    expect(helper.calls).not.toContain(`drain ${lost}`);
    expect(counters.tunnelsFailed).toBe(1);
    expect(m.tunnels()).toEqual([]);
    await m.tick();
    expect(helper.connected()).toHaveLength(2);
  });
});
