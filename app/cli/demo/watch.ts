/**
 * The demo's reachability display: measures all pairs every few seconds and prints the matrix
 * whenever it differs from the last one printed, with the time since the nodes started and,
 * the first time every pair answers, how long the mesh took to converge.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Mesh } from './mesh';
import { clock, seconds } from './format';
import { allReachable, countPairs, formatMatrix, unreachablePairs } from './reachability';

/** Time between two measurements. */
export const WATCH_INTERVAL_MS = 3_000;

/** Prints the reachability matrix of `mesh` as it changes, until `signal` aborts. */
export async function watchReachability(
  mesh: Mesh,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const names = mesh.nodes.map((n) => n.name);
  let shown = '';
  let converged = false;
  while (!signal.aborted) {
    const matrix = await mesh.reachability();
    const text = formatMatrix(names, matrix);
    const since = seconds(Date.now() - mesh.enginesStartedAt);
    const { reachable, pairs } = countPairs(matrix);
    let headline = `[${clock()}] reachability +${since}: ${reachable}/${pairs} pairs`;
    if (allReachable(matrix)) {
      headline += converged ? ' — all pairs reachable' : ` — all pairs reachable, converged in ${since}`;
      converged = true;
    } else {
      const missing = unreachablePairs(names, matrix);
      headline += ` — unreachable: ${missing.slice(0, 8).join(' ')}${missing.length > 8 ? ' …' : ''}`;
    }
    if (text !== shown) write(`\n${headline}\n${text}\n`);
    shown = text;
    try {
      await delay(WATCH_INTERVAL_MS, undefined, { signal });
    } catch {
      return;
    }
  }
}
