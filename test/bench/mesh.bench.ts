/**
 * Mesh benchmark: the demo's 6-node mesh (hello interval 0.5 s, 2 outgoing tunnels per node)
 * in network namespaces, with the real registry, helper, OpenVPN, babeld and `node run`.
 * Prints `mesh_converge_ms=… failover_outage_ms_median=… babel_bytes_per_s_per_tunnel=…`:
 * - converge: from starting the engines to every ordered pair answering a ping over the overlay;
 * - failover: a silent cut (nftables drop in the underlay, links up) of the path under a tunnel
 *   that carries routes and has an alternative, repeated 5 times; the outage is the longest gap
 *   seen by a 50 ms UDP echo probe between the tunnel's ends, median of the 5;
 * - babel traffic: babel packets (UDP port 6696, IPv6 length) received on every node's tunnel
 *   devices over a 20 s window, divided by the window and the number of tunnels.
 * Root only.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '../../app/core/log';
import { measureFailover } from '../../app/cli/demo/failover';
import { Mesh } from '../../app/cli/demo/mesh';
import type { MeshNode } from '../../app/cli/demo/node';
import { tunnelCount, tunnelEdges, waitForCuttableTunnels } from '../../app/cli/demo/tunnels';
import { NFT } from '../../app/cli/demo/underlay';

const NODES = 6;
const HELLO_S = 0.5;
const CUTS = 5;
const BABEL_WINDOW_MS = 20_000;
/** Time for babel to settle between two cuts (its smoothing holds metrics for seconds). */
const SETTLE_MS = 10_000;
const BABEL_TABLE = 'vifibnet_bench';

/** Starts counting babel packets received on `node`'s non-loopback devices. */
async function countBabel(node: MeshNode): Promise<void> {
  const chain = `chain input { type filter hook input priority 0; policy accept; iifname != "lo" udp dport 6696 counter; }`;
  await node.ns.run(NFT, [`table inet ${BABEL_TABLE} { ${chain}; }`]);
}

/** Bytes counted so far by {@link countBabel}. */
async function babelBytes(node: MeshNode): Promise<number> {
  const out = await node.ns.run(NFT, ['-j', 'list', 'table', 'inet', BABEL_TABLE]);
  const items = (JSON.parse(out) as { nftables: { rule?: { expr: { counter?: { bytes: number } }[] } }[] })
    .nftables;
  return items.flatMap((i) => i.rule?.expr ?? []).reduce((sum, e) => sum + (e.counter?.bytes ?? 0), 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs the benchmark and returns its result line. */
export async function run(): Promise<string> {
  const log = createLogger({ scope: 'bench-mesh' });
  const mesh = await Mesh.build({ nodes: NODES, helloInterval: HELLO_S, tunnelRefreshInterval: 86_400, log });
  try {
    await mesh.waitForAllPairs(180_000);
    const convergeMs = Date.now() - mesh.enginesStartedAt;

    const outages: number[] = [];
    for (let i = 0; i < CUTS; i++) {
      await delay(SETTLE_MS);
      const tunnels = await waitForCuttableTunnels(mesh, 60_000);
      const tunnel = tunnels[i % tunnels.length]!;
      const { outage } = await measureFailover(mesh, tunnel, 60_000);
      log.info('Failover', { cut: i + 1, path: `${tunnel.from.name}→${tunnel.to.name}`, ...outage });
      outages.push(outage.lengthMs);
      await mesh.waitForAllPairs(120_000);
    }

    await delay(SETTLE_MS);
    await Promise.all(mesh.nodes.map(countBabel));
    const before = await Promise.all(mesh.nodes.map(babelBytes));
    const tunnelsBefore = tunnelCount(await tunnelEdges(mesh));
    await delay(BABEL_WINDOW_MS);
    const after = await Promise.all(mesh.nodes.map(babelBytes));
    const tunnels = (tunnelsBefore + tunnelCount(await tunnelEdges(mesh))) / 2;
    const bytes = after.reduce((s, b, i) => s + b - before[i]!, 0);
    const perTunnel = bytes / (BABEL_WINDOW_MS / 1000) / tunnels;
    log.info('Babel traffic', { bytes, tunnels, windowMs: BABEL_WINDOW_MS });

    return `mesh_converge_ms=${convergeMs} failover_outage_ms_median=${Math.round(median(outages))} babel_bytes_per_s_per_tunnel=${Math.round(perTunnel)}`;
  } finally {
    await mesh.dispose();
  }
}
