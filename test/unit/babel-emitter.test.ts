import { describe, expect, test } from 'vitest';
import { Emitter } from '../../app/core/babel/emitter';

describe('Emitter', () => {
  test('calls listeners in order until their subscription is disposed', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    const a = emitter.event((n) => seen.push(`a${n}`));
    emitter.event((n) => seen.push(`b${n}`));
    emitter.fire(1);
    a.dispose();
    emitter.fire(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  test('a throwing listener does not stop the others and its error is reported', () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<number>((e) => errors.push(e));
    const seen: number[] = [];
    emitter.event(() => {
      throw new Error('boom');
    });
    emitter.event((n) => seen.push(n));
    emitter.fire(7);
    expect(seen).toEqual([7]);
    expect(errors).toEqual([new Error('boom')]);
  });

  test('dispose drops listeners and makes later subscriptions inert', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event((n) => seen.push(n));
    emitter.dispose();
    emitter.event((n) => seen.push(n)).dispose();
    emitter.fire(1);
    expect(seen).toEqual([]);
  });
});
