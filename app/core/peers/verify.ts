/**
 * The only way a signed address record enters the peer DB: checked with the registry client's
 * record check (signature by a node certificate of our CA, announcing that certificate's prefix),
 * then turned into the DB's input with the certificate's serial and expiry, so revocations and
 * expiry can purge it later. Pure apart from the clock passed in.
 */
import { X509Certificate } from 'node:crypto';
import { formatPrefix, parsePrefix } from '../../registry/ipv6';
import { canonicalSerial } from '../../registry/pki';
import type { SignedEnvelopeT } from '../../registry/protocol';
import { checkPeerRecords } from '../registry-client/peer-records';
import type { VerifiedPeerRecordInput } from './peer-record';

/** Records that passed, and how many failed a check (bad signature, foreign CA, expired, malformed). */
export interface VerifiedRecords {
  /** Records ready for {@link PeerDb.upsertMany}. */
  records: VerifiedPeerRecordInput[];
  /** Envelopes refused. */
  rejected: number;
}

/** The record if it passes the registry client's check; a check that throws on hostile input fails it. */
function checkedRecord(
  caPem: string,
  envelope: SignedEnvelopeT,
): ReturnType<typeof checkPeerRecords>['peers'] {
  try {
    return checkPeerRecords(caPem, [envelope]).peers;
  } catch {
    return [];
  }
}

/**
 * Verifies signed address records against the CA; drops those whose certificate expired at
 * `now` and those announcing `ownPrefix` (a node never stores itself).
 */
export function verifyAddressRecords(
  caPem: string,
  envelopes: readonly SignedEnvelopeT[],
  ownPrefix: string,
  now: number,
): VerifiedRecords {
  const records: VerifiedPeerRecordInput[] = [];
  let rejected = 0;
  for (const envelope of envelopes) {
    const [record] = checkedRecord(caPem, envelope);
    const cert = record && new X509Certificate(envelope.cert);
    const certExpiresAt = cert ? Date.parse(cert.validTo) : 0;
    if (!record || !cert || certExpiresAt <= now) {
      rejected += 1;
      continue;
    }
    const prefix = formatPrefix(parsePrefix(record.prefix)!);
    if (prefix === ownPrefix) continue;
    records.push({
      prefix,
      recordJson: JSON.stringify(envelope),
      timestamp: record.timestamp,
      addresses: record.endpoints.map((e) => ({ host: e.address, port: e.port, protocol: e.protocol })),
      full: false,
      certSerial: canonicalSerial(cert.serialNumber),
      certExpiresAt,
    });
  }
  return { records, rejected };
}
