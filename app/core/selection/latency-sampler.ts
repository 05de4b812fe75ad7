/**
 * The latency-biased sampler (SELECTION.md's fallback when neighbour lists are unavailable):
 * sample {@link LATENCY_SAMPLE_SIZE} known nodes, measure them, pick with probability ∝ RTT^-3.
 * Simulated at 1.20 mean stretch, 4 % worse than the neighbour-list policy.
 */
import type { Random } from './random';

/** Known nodes sampled per decision. */
export const LATENCY_SAMPLE_SIZE = 50;

/** Exponent of the RTT weighting: weight = RTT^-LATENCY_EXPONENT. */
export const LATENCY_EXPONENT = 3;

/** RTTs below this (ms) weigh as this, so a loopback-fast peer cannot take all the weight. */
export const MIN_WEIGHTED_RTT_MS = 0.1;

/**
 * Orders measured candidates by successive weighted draws without replacement: the first is the
 * pick, the rest are alternatives in the order they would have been drawn.
 */
export function latencyWeightedOrder(
  measured: readonly { prefix: string; rttMs: number }[],
  random: Random,
): string[] {
  const left = measured.map((m) => ({
    prefix: m.prefix,
    weight: Math.max(m.rttMs, MIN_WEIGHTED_RTT_MS) ** -LATENCY_EXPONENT,
  }));
  const order: string[] = [];
  while (left.length) {
    let x = random.next() * left.reduce((sum, c) => sum + c.weight, 0);
    let i = 0;
    while (i < left.length - 1 && (x -= left[i]!.weight) >= 0) i++;
    order.push(left.splice(i, 1)[0]!.prefix);
  }
  return order;
}
