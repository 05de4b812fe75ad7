/**
 * All-pairs reachability over the overlay: from every node's namespace, one `ping -6` to every
 * other node's overlay address (a pair that fails is tried once more, so one lost echo is not
 * an outage). The matrix is printed by the demo and asserted by the tests.
 */
import type { Netns } from './netns';

/** iputils ping. */
export const PING = '/usr/bin/ping';

/** A node as far as reachability goes. */
export interface Pingable {
  /** Name shown in the matrix. */
  name: string;
  /** Namespace to ping from. */
  ns: Netns;
  /** Overlay address to ping. */
  address: string;
}

/** `matrix[i][j]`: node i reaches node j; null on the diagonal. */
export type ReachabilityMatrix = (boolean | null)[][];

/** One echo request from `ns` to `address`, waiting at most a second. */
export async function pingOnce(ns: Netns, address: string): Promise<boolean> {
  const r = await ns.exec(PING, ['-6', '-n', '-q', '-c', '1', '-W', '1', address], 5_000);
  return r.code === 0;
}

/** Measures every ordered pair of `nodes`, all at once. */
export async function measureReachability(nodes: readonly Pingable[]): Promise<ReachabilityMatrix> {
  const pair = async (from: Pingable, to: Pingable): Promise<boolean | null> => {
    if (from === to) return null;
    if (!from.address || !to.address) return false;
    return (await pingOnce(from.ns, to.address)) || pingOnce(from.ns, to.address);
  };
  return Promise.all(nodes.map((from) => Promise.all(nodes.map((to) => pair(from, to)))));
}

/** Reachable ordered pairs and all ordered pairs of a matrix. */
export function countPairs(matrix: ReachabilityMatrix): { reachable: number; pairs: number } {
  const cells = matrix.flat().filter((c) => c !== null);
  return { reachable: cells.filter((c) => c).length, pairs: cells.length };
}

/** True when every ordered pair is reachable. */
export function allReachable(matrix: ReachabilityMatrix): boolean {
  const { reachable, pairs } = countPairs(matrix);
  return reachable === pairs;
}

/** The unreachable ordered pairs, as `n1→n4`. */
export function unreachablePairs(names: readonly string[], matrix: ReachabilityMatrix): string[] {
  return matrix.flatMap((row, i) => row.flatMap((c, j) => (c === false ? [`${names[i]}→${names[j]}`] : [])));
}

/** The matrix as text: a header row of destinations, one row per source (✓ reachable, ✗ not). */
export function formatMatrix(names: readonly string[], matrix: ReachabilityMatrix): string {
  const corner = 'from\\to';
  const first = Math.max(corner.length, ...names.map((n) => n.length));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const header = `${corner.padEnd(first)}${names.map((n) => n.padStart(width)).join('')}`;
  const rows = matrix.map(
    (row, i) =>
      `${names[i]!.padEnd(first)}${row.map((c) => (c === null ? '·' : c ? '✓' : '✗').padStart(width)).join('')}`,
  );
  return [header, ...rows].join('\n');
}
