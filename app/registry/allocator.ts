/**
 * A pure buddy allocator over a space of 2^bits equal units (for the registry: the node-sized
 * subnets of the network prefix). Blocks are aligned runs of 2^order units.
 *
 * - First fit: an allocation takes the lowest-addressed free block large enough, splitting it
 *   and keeping the lower half each time.
 * - Freed blocks are reused, and a freed block merges with its buddy whenever both are free,
 *   so the free lists depend only on the set of allocated blocks.
 * - Unit 0 (the all-zero subnet) is reserved for ever and never handed out.
 *
 * No I/O: the registry rebuilds an allocator from its database with {@link BuddyAllocator.reserve}.
 */

/** An aligned run of `2^order` units starting at unit `offset`. */
export interface Block {
  /** First unit; a multiple of `2^order`. */
  offset: number;
  /** log2 of the block size in units. */
  order: number;
}

/** Why an allocator call failed. */
export type AllocationErrorKind = 'exhausted' | 'not_allocated' | 'overlap' | 'invalid';

/** Error thrown by {@link BuddyAllocator}; `kind` says why. */
export class AllocationError extends Error {
  /** Creates the error. */
  constructor(
    readonly kind: AllocationErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** Largest supported space, so that unit offsets stay exact in a double. */
export const MAX_BITS = 48;

/** Index of the first element of sorted `list` that is >= `value`. */
function lowerBound(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Buddy allocator with first-fit placement; see the module comment. */
export class BuddyAllocator {
  /** Sorted offsets of the free blocks of each order. */
  readonly #free: number[][];
  /** Order of each allocated block, by offset (the reserved unit 0 included). */
  readonly #allocated = new Map<number, number>();

  /** Creates an empty space of `2^bits` units with unit 0 reserved. */
  constructor(readonly bits: number) {
    if (!Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) {
      throw new AllocationError('invalid', `the space must have 1-${MAX_BITS} bits, not ${bits}`);
    }
    this.#free = Array.from({ length: bits + 1 }, () => []);
    this.#free[bits]!.push(0);
    this.#take({ offset: 0, order: 0 });
  }

  /** Allocates a block of `2^order` units (first fit). Throws `exhausted` when none is free. */
  allocate(order: number): Block {
    this.#checkOrder(order);
    let best: Block | null = null;
    for (let o = order; o <= this.bits; o++) {
      const first = this.#free[o]![0];
      if (first !== undefined && (best === null || first < best.offset)) best = { offset: first, order: o };
    }
    if (best === null) {
      throw new AllocationError(
        'exhausted',
        `no free block of ${2 ** order} unit(s) is left: all ${2 ** this.bits - 1} usable units are allocated or fragmented`,
      );
    }
    const block = { offset: best.offset, order };
    this.#take(block);
    return block;
  }

  /** Marks exactly `block` as allocated (rebuilding from storage). Throws `overlap` if any part is in use. */
  reserve(block: Block): void {
    this.#checkBlock(block);
    this.#take(block);
  }

  /** Frees a block previously allocated or reserved, merging it with free buddies. */
  free(block: Block): void {
    this.#checkBlock(block);
    if (block.offset === 0) throw new AllocationError('invalid', 'unit 0 is reserved and cannot be freed');
    if (this.#allocated.get(block.offset) !== block.order) {
      throw new AllocationError(
        'not_allocated',
        `block ${block.offset}/${block.order} is not an allocated block`,
      );
    }
    this.#allocated.delete(block.offset);
    let { offset, order } = block;
    while (order < this.bits) {
      const size = 2 ** order;
      const buddy = (offset / size) % 2 === 0 ? offset + size : offset - size;
      const list = this.#free[order]!;
      const i = lowerBound(list, buddy);
      if (list[i] !== buddy) break;
      list.splice(i, 1);
      offset = Math.min(offset, buddy);
      order++;
    }
    this.#insertFree(offset, order);
  }

  /** The allocated blocks in address order, without the reserved unit 0. */
  allocated(): Block[] {
    return [...this.#allocated]
      .filter(([offset]) => offset !== 0)
      .map(([offset, order]) => ({ offset, order }))
      .sort((a, b) => a.offset - b.offset);
  }

  /** The free blocks in address order. */
  freeBlocks(): Block[] {
    return this.#free
      .flatMap((list, order) => list.map((offset) => ({ offset, order })))
      .sort((a, b) => a.offset - b.offset);
  }

  /** Number of free units. */
  freeUnits(): number {
    return this.#free.reduce((sum, list, order) => sum + list.length * 2 ** order, 0);
  }

  /** Removes `block` from the free space, splitting the free block that contains it. */
  #take(block: Block): void {
    for (let o = block.order; o <= this.bits; o++) {
      const size = 2 ** o;
      const start = Math.floor(block.offset / size) * size;
      const list = this.#free[o]!;
      const i = lowerBound(list, start);
      if (list[i] !== start) continue;
      list.splice(i, 1);
      for (let split = o - 1; split >= block.order; split--) {
        const half = 2 ** split;
        const base = Math.floor(block.offset / (half * 2)) * half * 2;
        const targetInLowerHalf = block.offset < base + half;
        this.#insertFree(targetInLowerHalf ? base + half : base, split);
      }
      this.#allocated.set(block.offset, block.order);
      return;
    }
    throw new AllocationError('overlap', `block ${block.offset}/${block.order} overlaps an allocated block`);
  }

  #insertFree(offset: number, order: number): void {
    const list = this.#free[order]!;
    list.splice(lowerBound(list, offset), 0, offset);
  }

  #checkOrder(order: number): void {
    if (!Number.isInteger(order) || order < 0 || order > this.bits) {
      throw new AllocationError('invalid', `block order must be 0-${this.bits}, not ${order}`);
    }
  }

  #checkBlock(block: Block): void {
    this.#checkOrder(block.order);
    const size = 2 ** block.order;
    if (!Number.isInteger(block.offset) || block.offset < 0 || block.offset % size !== 0) {
      throw new AllocationError('invalid', `offset ${block.offset} is not aligned to ${size} unit(s)`);
    }
    if (block.offset + size > 2 ** this.bits) {
      throw new AllocationError('invalid', `block ${block.offset}/${block.order} lies outside the space`);
    }
  }
}
