/**
 * The simulated underlay of the demo mesh: one namespace per node and one "switch" namespace
 * holding a Linux bridge, each node joined to it by a veth pair (IPv4 in 198.18.0.0/24, the
 * benchmarking range). The switch's bridge carries an address too, so a service in the switch
 * namespace (the registry) is reachable from every node.
 *
 * Silent cuts are nftables drop rules in the switch's `bridge` table: frames vanish, every
 * interface stays up, nobody is told (the kernel here has no netem). A cut is either one node's
 * whole link or the path between two nodes; the table is rewritten atomically on every change.
 */
import type { Logger } from '../../core/log';
import { createNetns, createVethPair, randomSuffix, type Netns } from './netns';

/** nftables. */
export const NFT = '/usr/sbin/nft';

/** Address of the switch on the underlay bridge. */
export const SWITCH_ADDRESS = '198.18.0.254';

/** Most nodes one underlay holds (their addresses are 198.18.0.1 … .N). */
export const MAX_UNDERLAY_NODES = 200;

const BRIDGE = 'br0';
const CUT_TABLE = 'vifibnet_cuts';

/** One node's place on the underlay. */
export interface UnderlayPort {
  /** The node's namespace. */
  ns: Netns;
  /** The node's underlay device (inside its namespace). */
  device: string;
  /** The bridge port of that link (inside the switch namespace). */
  port: string;
  /** The node's underlay IPv4 address (no prefix length). */
  address: string;
}

/** A silent cut: one node's whole link (`b` absent) or the path between nodes `a` and `b`. */
export interface Cut {
  /** Index of the node (of the first node of the pair). */
  a: number;
  /** Index of the second node of the pair, when the cut is between two nodes. */
  b?: number;
}

/** A readable name of a cut, with node names from `name(index)`. */
export function describeCut(cut: Cut, name: (index: number) => string): string {
  return cut.b === undefined ? `${name(cut.a)}'s underlay link` : `${name(cut.a)} ↔ ${name(cut.b)}`;
}

/** Drop rules of one cut: [hook, rule] pairs. */
function cutRules(cut: Cut, ports: readonly UnderlayPort[]): [string, string][] {
  const a = `"${ports[cut.a]!.port}"`;
  if (cut.b === undefined) {
    return [
      ['forward', `iifname ${a} drop`],
      ['forward', `oifname ${a} drop`],
      ['input', `iifname ${a} drop`],
      ['output', `oifname ${a} drop`],
    ];
  }
  const b = `"${ports[cut.b]!.port}"`;
  return [
    ['forward', `iifname ${a} oifname ${b} drop`],
    ['forward', `iifname ${b} oifname ${a} drop`],
  ];
}

/** The switch, its bridge, and one namespace per node. */
export class Underlay {
  private readonly cuts: Cut[] = [];

  private constructor(
    /** The switch namespace (bridge, registry). */
    readonly switchNs: Netns,
    /** One entry per node, in node order. */
    readonly ports: UnderlayPort[],
  ) {}

  /**
   * Creates the switch namespace and `count` node namespaces joined to it. On failure, whatever
   * was created is removed before the error propagates.
   */
  static async create(count: number, log: Logger): Promise<Underlay> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_UNDERLAY_NODES)
      throw new Error(`an underlay holds 1-${MAX_UNDERLAY_NODES} nodes, not ${count}`);
    const created: Netns[] = [];
    try {
      return await log.step(
        'Building underlay',
        async () => {
          const switchNs = await createNetns('vfbsw');
          created.push(switchNs);
          await switchNs.ip('link', 'add', BRIDGE, 'type', 'bridge');
          await switchNs.ip('addr', 'add', `${SWITCH_ADDRESS}/24`, 'dev', BRIDGE);
          await switchNs.ip('link', 'set', BRIDGE, 'up');
          const suffix = randomSuffix(3);
          const ports: UnderlayPort[] = [];
          for (let i = 0; i < count; i++) {
            const ns = await createNetns(`vfbn${i + 1}`);
            created.push(ns);
            const address = `198.18.0.${i + 1}`;
            // The switch side is a bridge port: it forwards and holds no address of its own.
            const [node, sw] = await createVethPair(
              { ns, address: `${address}/24` },
              { ns: switchNs },
              { a: `vfu${i + 1}-${suffix}`, b: `vfp${i + 1}-${suffix}` },
            );
            await switchNs.ip('link', 'set', sw.dev, 'master', BRIDGE);
            ports.push({ ns, device: node.dev, port: sw.dev, address });
          }
          const underlay = new Underlay(switchNs, ports);
          await underlay.writeCuts();
          return underlay;
        },
        { nodes: count },
      );
    } catch (err) {
      await Promise.all(created.map((ns) => ns.destroy()));
      throw err;
    }
  }

  /** Every namespace, the switch's first. */
  namespaces(): Netns[] {
    return [this.switchNs, ...this.ports.map((p) => p.ns)];
  }

  /** Silently cuts one node's link or the path between two nodes; resolves once in force. */
  async cut(cut: Cut): Promise<Cut> {
    for (const index of [cut.a, cut.b]) {
      if (index !== undefined && !this.ports[index]) throw new Error(`no node ${index} on this underlay`);
    }
    this.cuts.push(cut);
    await this.writeCuts();
    return cut;
  }

  /** Lifts a cut made by {@link cut}; resolves once traffic may flow again. */
  async restore(cut: Cut): Promise<void> {
    const at = this.cuts.indexOf(cut);
    if (at < 0) return;
    this.cuts.splice(at, 1);
    await this.writeCuts();
  }

  /** Removes every namespace (and with them every process, device and nft table in them). */
  async destroy(): Promise<void> {
    await Promise.all(this.namespaces().map((ns) => ns.destroy()));
  }

  /** Replaces the cut table with the rules of the cuts in force, in one nft transaction. */
  private async writeCuts(): Promise<void> {
    const rules = this.cuts.flatMap((c) => cutRules(c, this.ports));
    const chains = ['forward', 'input', 'output'].map((hook) => {
      const body = rules.filter(([h]) => h === hook).map(([, rule]) => `${rule}; `);
      return `chain ${hook} { type filter hook ${hook} priority 0; policy accept; ${body.join('')}}; `;
    });
    const table = `table bridge ${CUT_TABLE}`;
    await this.switchNs.run(NFT, [`${table}; delete ${table}; ${table} { ${chains.join('')}}`]);
  }
}
