/**
 * What the peer DB stores about one peer. Records arrive already verified (signature checked
 * against the CA by whoever received them: registry bootstrap or peer exchange); the DB keeps the
 * signed record exactly as received, so it can be passed on unchanged, next to the fields parsed
 * from it.
 */
import { z } from 'zod';
import { Ipv6Prefix, Port, RemoteHost, TransportProtocol } from '../../../helper/protocol';

/** One way to reach a peer: what an OpenVPN client needs (the helper's own schemas). */
export const PeerAddress = z.strictObject({ host: RemoteHost, port: Port, protocol: TransportProtocol });

/** @see PeerAddress */
export type PeerAddressT = z.infer<typeof PeerAddress>;

/** Most addresses kept per peer. */
export const MAX_ADDRESSES_PER_PEER = 16;

/** A verified, signed address record and the fields parsed from it. */
export const VerifiedPeerRecord = z.strictObject({
  /** The peer's prefix, in the canonical form the registry issues: the DB key. */
  prefix: Ipv6Prefix,
  /** The signed record as received (opaque JSON text). */
  recordJson: z
    .string()
    .min(2)
    .max(16 * 1024),
  /** When the peer signed the record, ms since the epoch: the newer record wins. */
  timestamp: z.number().int().min(0),
  /** Where the peer listens, in its order of preference. */
  addresses: z.array(PeerAddress).min(1).max(MAX_ADDRESSES_PER_PEER),
  /** True when the peer says it is at its incoming tunnel limit. */
  full: z.boolean().default(false),
  /** Serial number of the peer's certificate (hex); matched against revocations. */
  certSerial: z.string().regex(/^[0-9a-fA-F]{1,64}$/),
  /** When the peer's certificate expires, ms since the epoch. */
  certExpiresAt: z.number().int().min(0),
});

/** Input of {@link VerifiedPeerRecord} (`full` may be omitted). */
export type VerifiedPeerRecordInput = z.input<typeof VerifiedPeerRecord>;

/** One peer as the DB knows it. Times are ms since the epoch. */
export interface Peer {
  /** The peer's prefix. */
  prefix: string;
  /** Its newest signed address record, as received. */
  recordJson: string;
  /** Signing time of that record. */
  recordTimestamp: number;
  /** Addresses parsed from the record, in order. */
  addresses: PeerAddressT[];
  /** The record's "at incoming capacity" flag. */
  full: boolean;
  /** Certificate serial (lower-case hex). */
  certSerial: string;
  /** Certificate expiry. */
  certExpiresAt: number;
  /** When the peer was first stored. */
  firstSeen: number;
  /** When a new record of it last arrived. */
  lastSeen: number;
  /** Last time a tunnel to it came up, or null. */
  lastSuccess: number | null;
  /** Last time a tunnel attempt to it failed, or null. */
  lastFailure: number | null;
  /** Failed attempts since the last success (or since a record newer than the last failure). */
  consecutiveFailures: number;
  /** True after `DEAD_AFTER_FAILURES` (peer-db.ts) consecutive failures. */
  dead: boolean;
}
