import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AllocationError, BuddyAllocator, type Block } from '../../app/registry/allocator';

/** A reference model: one flag per unit; first fit = lowest aligned run of free units. */
class UnitModel {
  readonly used: boolean[];
  constructor(bits: number) {
    this.used = Array<boolean>(2 ** bits).fill(false);
    this.used[0] = true;
  }
  firstFit(order: number): number | null {
    const size = 2 ** order;
    for (let at = 0; at + size <= this.used.length; at += size) {
      if (this.used.slice(at, at + size).every((u) => !u)) return at;
    }
    return null;
  }
  mark(block: Block, used: boolean): void {
    this.used.fill(used, block.offset, block.offset + 2 ** block.order);
  }
}

const scenario = fc
  .integer({ min: 1, max: 7 })
  .chain((bits) =>
    fc.tuple(
      fc.constant(bits),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('alloc' as const), order: fc.integer({ min: 0, max: bits }) }),
          fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
        ),
        { maxLength: 200 },
      ),
    ),
  );

function overlaps(a: Block, b: Block): boolean {
  return a.offset < b.offset + 2 ** b.order && b.offset < a.offset + 2 ** a.order;
}

function expectError(action: () => unknown, kind: AllocationError['kind']): void {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(AllocationError);
    expect((err as AllocationError).kind).toBe(kind);
    return;
  }
  throw new Error(`expected an AllocationError of kind ${kind}`);
}

describe('buddy allocator', () => {
  test('allocations are first fit, never overlap, never the all-zero unit, and match a unit model', () => {
    fc.assert(
      fc.property(scenario, ([bits, ops]) => {
        const alloc = new BuddyAllocator(bits);
        const model = new UnitModel(bits);
        const live: Block[] = [];
        for (const op of ops) {
          if (op.kind === 'alloc') {
            const expected = model.firstFit(op.order);
            if (expected === null) {
              expectError(() => alloc.allocate(op.order), 'exhausted');
              continue;
            }
            const block = alloc.allocate(op.order);
            expect(block).toEqual({ offset: expected, order: op.order });
            expect(live.some((b) => overlaps(b, block))).toBe(false);
            model.mark(block, true);
            live.push(block);
          } else if (live.length > 0) {
            const [block] = live.splice(op.pick % live.length, 1);
            alloc.free(block!);
            model.mark(block!, false);
          }
          const freeUnits = model.used.filter((u) => !u).length;
          expect(alloc.freeUnits()).toBe(freeUnits);
        }
        expect(alloc.allocated()).toEqual([...live].sort((a, b) => a.offset - b.offset));
      }),
      { numRuns: 300 },
    );
  });

  test('free lists depend only on the allocated set: rebuilding with reserve gives the same state', () => {
    fc.assert(
      fc.property(scenario, ([bits, ops]) => {
        const alloc = new BuddyAllocator(bits);
        const live: Block[] = [];
        for (const op of ops) {
          if (op.kind === 'alloc') {
            try {
              live.push(alloc.allocate(op.order));
            } catch (err) {
              expect((err as AllocationError).kind).toBe('exhausted');
            }
          } else if (live.length > 0) alloc.free(live.splice(op.pick % live.length, 1)[0]!);
        }
        const rebuilt = new BuddyAllocator(bits);
        for (const block of [...live].reverse()) rebuilt.reserve(block);
        expect(rebuilt.freeBlocks()).toEqual(alloc.freeBlocks());
        expect(rebuilt.allocated()).toEqual(alloc.allocated());
      }),
      { numRuns: 300 },
    );
  });

  test('freeing every block in any order merges back to the initial space', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 80 }),
        fc.func(fc.integer()),
        (bits, orders, shuffleKey) => {
          const alloc = new BuddyAllocator(bits);
          const initial = alloc.freeBlocks();
          const live: Block[] = [];
          for (const order of orders.filter((o) => o <= bits)) {
            try {
              live.push(alloc.allocate(order));
            } catch (err) {
              expect((err as AllocationError).kind).toBe('exhausted');
            }
          }
          live.sort((a, b) => shuffleKey(a.offset) - shuffleKey(b.offset));
          for (const block of live) alloc.free(block);
          expect(alloc.freeBlocks()).toEqual(initial);
          expect(alloc.freeUnits()).toBe(2 ** bits - 1);
        },
      ),
    );
  });

  test('exhaustion: every usable unit is handed out exactly once, then a clear error', () => {
    const alloc = new BuddyAllocator(10);
    const offsets = new Set<number>();
    for (let i = 0; i < 1023; i++) offsets.add(alloc.allocate(0).offset);
    expect(offsets.size).toBe(1023);
    expect(offsets.has(0)).toBe(false);
    expect(() => alloc.allocate(0)).toThrow(/no free block of 1 unit\(s\) is left/);
    expectError(() => alloc.allocate(0), 'exhausted');
    alloc.free({ offset: 517, order: 0 });
    expect(alloc.allocate(0)).toEqual({ offset: 517, order: 0 });
  });

  test('a freed block is reused before fresh space, and the all-zero unit never', () => {
    const alloc = new BuddyAllocator(16);
    const blocks = Array.from({ length: 5 }, () => alloc.allocate(0));
    expect(blocks.map((b) => b.offset)).toEqual([1, 2, 3, 4, 5]);
    alloc.free(blocks[1]!);
    expect(alloc.allocate(0).offset).toBe(2);
    expect(alloc.allocate(0).offset).toBe(6);
  });

  test('invalid and inconsistent requests are refused', () => {
    const alloc = new BuddyAllocator(4);
    const block = alloc.allocate(1);
    expectError(() => alloc.reserve({ offset: block.offset, order: 0 }), 'overlap');
    expectError(() => alloc.free({ offset: 8, order: 0 }), 'not_allocated');
    expectError(() => alloc.free({ offset: 0, order: 0 }), 'invalid');
    expectError(() => alloc.reserve({ offset: 3, order: 1 }), 'invalid');
    expectError(() => alloc.allocate(5), 'invalid');
    expectError(() => new BuddyAllocator(49), 'invalid');
  });
});
