/**
 * One peer exchange round: ask every current tunnel peer, on its overlay address, for the
 * address records it knows and for its tunnel peers; verify the records against the CA and store
 * the good ones in the peer DB; remember the neighbour lists and "full" flags.
 */
import type { PeerDb } from '../peers/peer-db';
import { verifyAddressRecords } from '../peers/verify';
import { nodeAddress } from '../node/addressing';
import { askPeer } from './client';
import type { NeighbourKnowledge } from './knowledge';

/** Records asked of each peer. */
export const RECORDS_PER_PEER = 32;

/** What a round did. */
export interface RoundResult {
  /** Peers asked. */
  asked: number;
  /** Answers received (two per peer that answered both requests). */
  answers: number;
  /** Records stored as new or newer. */
  learned: number;
  /** Records refused by the verification. */
  rejected: number;
}

/** What a round works with. */
export interface RoundContext {
  /** The CA that must have issued every record's signer. */
  caPem: string;
  /** Our prefix (never stored). */
  ownPrefix: string;
  /** Where verified records go. */
  peers: Pick<PeerDb, 'upsertMany'>;
  /** Where neighbour lists and full flags go. */
  knowledge: NeighbourKnowledge;
  /** Clock. */
  now: () => number;
  /** Port of the exchange service (the default everywhere but in tests). */
  port?: number;
}

/** Runs one round over `tunnelPeers` (their prefixes). Never throws: a silent peer is skipped. */
export async function exchangeRound(tunnelPeers: readonly string[], ctx: RoundContext): Promise<RoundResult> {
  const result: RoundResult = { asked: tunnelPeers.length, answers: 0, learned: 0, rejected: 0 };
  await Promise.all(
    tunnelPeers.map(async (prefix) => {
      const host = nodeAddress(prefix);
      const [records, neighbours] = await Promise.allSettled([
        askPeer(host, { op: 'records', count: RECORDS_PER_PEER }, { port: ctx.port }),
        askPeer(host, { op: 'tunnel-peers' }, { port: ctx.port }),
      ]);
      if (neighbours.status === 'fulfilled') {
        result.answers += 1;
        ctx.knowledge.record(
          prefix,
          { full: neighbours.value.full, tunnelPeers: neighbours.value.peers },
          ctx.now(),
        );
      }
      if (records.status === 'fulfilled') {
        result.answers += 1;
        ctx.knowledge.record(prefix, { full: records.value.full }, ctx.now());
        const verified = verifyAddressRecords(ctx.caPem, records.value.records, ctx.ownPrefix, ctx.now());
        result.rejected += verified.rejected;
        const stored = ctx.peers.upsertMany(verified.records);
        result.learned += stored.outcomes.filter((o) => o === 'inserted' || o === 'updated').length;
      }
    }),
  );
  return result;
}
