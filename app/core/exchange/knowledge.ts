/**
 * What peer exchange taught us about other nodes and is not signed: each neighbour's tunnel
 * peers (the policy's proximity candidates) and which nodes say they are full. Entries expire,
 * so a node that stops answering stops steering our choices.
 */

/** How long an answer counts. */
export const KNOWLEDGE_TTL_MS = 10 * 60_000;

interface Entry {
  tunnelPeers: readonly string[] | null;
  full: boolean;
  at: number;
}

/** Answers of neighbours, by their prefix. */
export class NeighbourKnowledge {
  private readonly entries = new Map<string, Entry>();

  /** Records what `prefix` said at `now` (tunnel peers when it was asked for them). */
  record(prefix: string, answer: { full: boolean; tunnelPeers?: readonly string[] }, now: number): void {
    const previous = this.entries.get(prefix);
    this.entries.set(prefix, {
      full: answer.full,
      tunnelPeers: answer.tunnelPeers ?? previous?.tunnelPeers ?? null,
      at: now,
    });
  }

  private valid(now: number): [string, Entry][] {
    for (const [prefix, e] of this.entries) if (now - e.at >= KNOWLEDGE_TTL_MS) this.entries.delete(prefix);
    return [...this.entries];
  }

  /** Tunnel peers by neighbour, or null when no neighbour told us its list (the policy then samples by latency). */
  tunnelPeers(now: number): Map<string, readonly string[]> | null {
    const lists = this.valid(now).flatMap(([prefix, e]) =>
      e.tunnelPeers ? [[prefix, e.tunnelPeers] as const] : [],
    );
    return lists.length ? new Map(lists) : null;
  }

  /** Nodes that said they are at their incoming limit. */
  fullPeers(now: number): Set<string> {
    return new Set(this.valid(now).flatMap(([prefix, e]) => (e.full ? [prefix] : [])));
  }
}
