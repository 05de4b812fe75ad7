/**
 * Simulation of the selection policy against uniform random tunnels on a synthetic network
 * (SELECTION.md's setting, scaled down): nodes in 8 clusters, RTT = distance + both access
 * delays, babel link cost = 96 + RTT; k = 10 outgoing, m = 20 incoming; routes are least-cost
 * paths and a tunnel's route count is the number of destinations reached through it. Prints the
 * mean and p95 stretch (path RTT / direct RTT) of both, and the policy's replacements per node
 * and round.
 */
import { selectTunnels } from '../../app/core/selection/policy';
import { createRandom, type Random } from '../../app/core/selection/random';
import type { OpenAction, SelectionInput, SlotKind, TunnelInfo } from '../../app/core/selection/types';

const NODES = 300;
const CLUSTERS = 8;
const K = 10;
const M = 20;
const ROUNDS = 12;
const ROUND_MS = 120_000;
const BABEL_HOP_COST = 96;

interface Tunnel {
  from: number;
  to: number;
  slot: SlotKind;
  openedRound: number;
}

class Network {
  readonly rtt: number[][];
  /** Tunnels by id `from>to`. */
  readonly tunnels = new Map<string, Tunnel>();
  private readonly links = Array.from({ length: NODES }, () => new Set<number>());
  private readonly incomingCount = new Array<number>(NODES).fill(0);

  constructor(random: Random) {
    const centres = Array.from({ length: CLUSTERS }, () => [random.next() * 150, random.next() * 150]);
    const nodes = Array.from({ length: NODES }, () => {
      const [cx, cy] = centres[random.int(CLUSTERS)]!;
      return {
        x: cx! + (random.next() - 0.5) * 20,
        y: cy! + (random.next() - 0.5) * 20,
        access: 1 + random.next() * 4,
      };
    });
    this.rtt = nodes.map((a) =>
      nodes.map((b) => (a === b ? 0 : Math.hypot(a.x - b.x, a.y - b.y) + a.access + b.access)),
    );
  }

  open(from: number, to: number, slot: SlotKind, round: number): void {
    this.tunnels.set(`${from}>${to}`, { from, to, slot, openedRound: round });
    this.links[from]!.add(to);
    this.links[to]!.add(from);
    this.incomingCount[to]! += 1;
  }

  close(id: string): void {
    const t = this.tunnels.get(id);
    if (!t) return;
    this.tunnels.delete(id);
    this.links[t.from]!.delete(t.to);
    this.links[t.to]!.delete(t.from);
    this.incomingCount[t.to]! -= 1;
  }

  linked(a: number, b: number): boolean {
    return this.links[a]!.has(b);
  }

  incoming(n: number): number {
    return this.incomingCount[n]!;
  }

  neighbours(n: number): number[] {
    return [...this.links[n]!];
  }

  tunnelsOf(n: number): [string, Tunnel][] {
    return this.neighbours(n).map((p) => {
      const id = this.tunnels.has(`${n}>${p}`) ? `${n}>${p}` : `${p}>${n}`;
      return [id, this.tunnels.get(id)!];
    });
  }

  /** Least-cost paths from `src`: each destination's path RTT and first hop. */
  routesFrom(src: number, adjacency: number[][]): { pathRtt: Float64Array; firstHop: Int32Array } {
    const cost = new Float64Array(NODES).fill(Infinity);
    const pathRtt = new Float64Array(NODES).fill(Infinity);
    const firstHop = new Int32Array(NODES).fill(-1);
    const done = new Uint8Array(NODES);
    cost[src] = 0;
    pathRtt[src] = 0;
    for (;;) {
      let u = -1;
      for (let i = 0; i < NODES; i++)
        if (!done[i] && cost[i]! < Infinity && (u < 0 || cost[i]! < cost[u]!)) u = i;
      if (u < 0) break;
      done[u] = 1;
      for (const v of adjacency[u]!) {
        const c = cost[u]! + BABEL_HOP_COST + this.rtt[u]![v]!;
        if (c < cost[v]!) {
          cost[v] = c;
          pathRtt[v] = pathRtt[u]! + this.rtt[u]![v]!;
          firstHop[v] = u === src ? v : firstHop[u]!;
        }
      }
    }
    return { pathRtt, firstHop };
  }

  adjacency(): number[][] {
    return Array.from({ length: NODES }, (_, n) => this.neighbours(n));
  }

  stretch(): { mean: number; p95: number } {
    const adjacency = this.adjacency();
    const ratios: number[] = [];
    for (let s = 0; s < NODES; s++) {
      const { pathRtt } = this.routesFrom(s, adjacency);
      for (let d = 0; d < NODES; d++) if (d !== s) ratios.push(pathRtt[d]! / this.rtt[s]![d]!);
    }
    ratios.sort((a, b) => a - b);
    return {
      mean: ratios.reduce((a, b) => a + b, 0) / ratios.length,
      p95: ratios[Math.floor(ratios.length * 0.95)]!,
    };
  }
}

const name = (n: number): string => `p${n}`;
const index = (prefix: string): number => Number(prefix.slice(1));

/** One decision of node `n`, with its probes answered from the RTT matrix; returns what it opened. */
function decide(
  net: Network,
  n: number,
  round: number,
  routeCount: (to: number) => number,
  seed: number,
): number {
  const tunnels: TunnelInfo[] = [];
  for (const [id, t] of net.tunnelsOf(n)) {
    const age = (round - t.openedRound) * ROUND_MS;
    if (t.from === n) {
      const base = {
        id,
        prefix: name(t.to),
        routeCount: routeCount(t.to),
        rttMs: net.rtt[n]![t.to]!,
        ageMs: age,
      };
      tunnels.push({ ...base, direction: 'outgoing', slot: t.slot, draining: false });
    } else if (t.to === n) {
      const base = {
        id,
        prefix: name(t.from),
        routeCount: routeCount(t.from),
        rttMs: net.rtt[n]![t.from]!,
        ageMs: age,
      };
      tunnels.push({ ...base, direction: 'incoming', draining: false });
    }
  }
  const neighbourTunnelPeers = new Map(
    tunnels.map((t) => [t.prefix, net.neighbours(index(t.prefix)).map(name)] as const),
  );
  const input: SelectionInput = {
    ourPrefix: name(n),
    clientCount: K,
    maxClients: M,
    peers: Array.from({ length: NODES }, (_, p) => ({
      prefix: name(p),
      dead: false,
      full: net.incoming(p) >= M,
    })),
    tunnels,
    refreshDue: true,
    neighbourTunnelPeers,
    candidateRtts: new Map(),
    seed,
  };
  let decision = selectTunnels(input);
  if (decision.probe.length) {
    const candidateRtts = new Map(decision.probe.map((p) => [p, net.rtt[n]![index(p)]!]));
    decision = selectTunnels({ ...input, candidateRtts });
  }
  const accept = (o: OpenAction): number | undefined =>
    [o.prefix, ...o.alternatives].map(index).find((p) => !net.linked(n, p) && net.incoming(p) < M);
  let opened = 0;
  for (const o of decision.open) {
    const to = accept(o);
    if (to === undefined) continue;
    net.open(n, to, o.slot, round);
    opened++;
  }
  for (const d of decision.drain) net.close(d.tunnelId);
  return opened;
}

function runPolicy(seed: number): { mean: number; p95: number; replacementsPerNodeRound: number } {
  const random = createRandom(seed);
  const net = new Network(createRandom(seed));
  for (let step = 0; step < K; step++) {
    for (const n of random.sample([...Array(NODES).keys()], NODES))
      decide(net, n, 0, () => 0, random.int(2 ** 31));
  }
  let replacements = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const adjacency = net.adjacency();
    for (const n of random.sample([...Array(NODES).keys()], NODES)) {
      const { firstHop } = net.routesFrom(n, adjacency);
      const counts = new Map<number, number>();
      for (const hop of firstHop) if (hop >= 0) counts.set(hop, (counts.get(hop) ?? 0) + 1);
      replacements += decide(net, n, round, (to) => counts.get(to) ?? 0, random.int(2 ** 31));
    }
  }
  return { ...net.stretch(), replacementsPerNodeRound: replacements / (NODES * ROUNDS) };
}

function runUniform(seed: number): { mean: number; p95: number } {
  const random = createRandom(seed + 1);
  const net = new Network(createRandom(seed));
  for (const n of [...Array(NODES).keys()]) {
    const targets = random.sample([...Array(NODES).keys()], NODES).filter((p) => p !== n);
    let opened = 0;
    for (const p of targets) {
      if (opened === K) break;
      if (net.linked(n, p) || net.incoming(p) >= M) continue;
      net.open(n, p, 'explorer', 0);
      opened++;
    }
  }
  return net.stretch();
}

/** Runs both and returns the result line. */
export function run(): Promise<string> {
  const started = Date.now();
  const policy = runPolicy(7);
  const uniform = runUniform(7);
  const f = (x: number): string => x.toFixed(2);
  return Promise.resolve(
    `selection_mean_stretch=${f(policy.mean)} selection_p95_stretch=${f(policy.p95)} ` +
      `uniform_mean_stretch=${f(uniform.mean)} uniform_p95_stretch=${f(uniform.p95)} ` +
      `replacements_per_node_round=${f(policy.replacementsPerNodeRound)} nodes=${NODES} rounds=${ROUNDS} ` +
      `ms=${Date.now() - started}`,
  );
}
