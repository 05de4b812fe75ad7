/**
 * The mesh's tunnel graph as the nodes report it (`status --json`): which pairs of nodes are
 * joined by an up tunnel, and how many babel routes each tunnel carries at its opening end.
 * Chaos, tests and benchmarks pick their cuts from it: a tunnel that carries routes (so the cut
 * matters) and whose loss leaves the graph connected (so another path exists).
 */
import type { Mesh } from './mesh';
import { pollUntil } from './netns';
import type { MeshNode } from './node';

/** One up tunnel between two nodes of the mesh, seen from the node that opened it. */
export interface TunnelEdge {
  /** The node that opened it. */
  from: MeshNode;
  /** The node it goes to. */
  to: MeshNode;
  /** Babel routes the opening node installs through it. */
  routes: number;
}

/** Every up outgoing tunnel of every running node (a node whose status fails contributes none). */
export async function tunnelEdges(mesh: Mesh): Promise<TunnelEdge[]> {
  const perNode = await Promise.all(
    mesh.nodes
      .filter((n) => n.running())
      .map(async (from) => {
        const status = await from.status().catch(() => undefined);
        return (status?.tunnels ?? []).flatMap((t) => {
          const to = mesh.nodeOfPeer(t.prefix);
          return t.direction === 'outgoing' && t.state === 'up' && to && to !== from
            ? [{ from, to, routes: t.routes }]
            : [];
        });
      }),
  );
  return perNode.flat();
}

/** True when the nodes stay connected by `edges` without `removed` (undirected). */
export function connectedWithout(
  nodes: readonly MeshNode[],
  edges: readonly TunnelEdge[],
  removed: TunnelEdge,
): boolean {
  const same = (e: TunnelEdge): boolean =>
    (e.from === removed.from && e.to === removed.to) || (e.from === removed.to && e.to === removed.from);
  const kept = edges.filter((e) => !same(e));
  const seen = new Set<MeshNode>([nodes[0]!]);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of kept) {
      if (seen.has(e.from) !== seen.has(e.to)) {
        seen.add(e.from);
        seen.add(e.to);
        grew = true;
      }
    }
  }
  return nodes.every((n) => seen.has(n));
}

/**
 * The tunnels worth cutting: up, carrying at least one route, and not the only link between two
 * parts of the mesh. Busiest first.
 */
export async function cuttableTunnels(mesh: Mesh): Promise<TunnelEdge[]> {
  const edges = await tunnelEdges(mesh);
  return edges
    .filter((e) => e.routes > 0 && connectedWithout(mesh.nodes, edges, e))
    .sort((a, b) => b.routes - a.routes);
}

/** Number of distinct node pairs joined by an up tunnel. */
export function tunnelCount(edges: readonly TunnelEdge[]): number {
  return new Set(edges.map((e) => [e.from.name, e.to.name].sort().join('-'))).size;
}

/** {@link cuttableTunnels}, polled until there is at least one; rejects after `timeoutMs`. */
export function waitForCuttableTunnels(mesh: Mesh, timeoutMs: number): Promise<TunnelEdge[]> {
  return pollUntil(
    'a tunnel that carries routes and has an alternative path',
    async () => {
      const found = await cuttableTunnels(mesh);
      return found.length ? found : undefined;
    },
    { timeoutMs, intervalMs: 1_000 },
  );
}
