import { describe, expect, test } from 'vitest';
import { latencyWeightedOrder } from '../../app/core/selection/latency-sampler';
import { createRandom } from '../../app/core/selection/random';

describe('createRandom', () => {
  test('is deterministic per seed and stays in [0, 1)', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createRandom(43).next()).not.toBe(xs[0]);
  });

  test('sample draws distinct items, all of them when asked for more, without touching the input', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const r = createRandom(7);
    const three = r.sample(items, 3);
    expect(new Set(three).size).toBe(3);
    expect(three.every((x) => items.includes(x))).toBe(true);
    expect(r.sample(items, 99).sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('sample is uniform enough: each of 4 items leads about a quarter of 4000 draws', () => {
    const r = createRandom(3);
    const firsts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) firsts[r.sample([0, 1, 2, 3], 1)[0]!]! += 1;
    for (const n of firsts) expect(Math.abs(n - 1000)).toBeLessThan(120);
  });
});

describe('latencyWeightedOrder', () => {
  test('returns every candidate once, the nearest first far more often (weight RTT^-3)', () => {
    const r = createRandom(5);
    const measured = [
      { prefix: 'far', rttMs: 40 },
      { prefix: 'near', rttMs: 20 },
    ];
    let nearFirst = 0;
    for (let i = 0; i < 900; i++) {
      const order = latencyWeightedOrder(measured, r);
      expect(order.sort()).toEqual(['far', 'near']);
      if (latencyWeightedOrder(measured, r)[0] === 'near') nearFirst += 1;
    }
    expect(nearFirst).toBeGreaterThan(740);
    expect(nearFirst).toBeLessThan(860);
  });

  test('an RTT of zero does not take all the weight', () => {
    const r = createRandom(9);
    const measured = [
      { prefix: 'loopback', rttMs: 0 },
      { prefix: 'lan', rttMs: 0.1 },
    ];
    const firsts = new Set(Array.from({ length: 50 }, () => latencyWeightedOrder(measured, r)[0]));
    expect(firsts).toEqual(new Set(['loopback', 'lan']));
  });
});
