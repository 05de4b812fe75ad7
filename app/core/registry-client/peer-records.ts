/**
 * Checking the address records bootstrap hands out: each must be signed by a node certificate
 * of our CA, and announce the prefix that certificate names. Records that fail are dropped.
 */
import { openEnvelope } from '../../registry/envelope';
import { formatPrefix, parsePrefix } from '../../registry/ipv6';
import { AddressRecord, type AddressRecordT, type SignedEnvelopeT } from '../../registry/protocol';

/** A checked peer record. */
export interface PeerRecord extends AddressRecordT {
  /** The peer's name, to pin with verify-x509-name. */
  name: string;
}

/** The records that check out, and how many did not. */
export function checkPeerRecords(
  caCertPem: string,
  envelopes: readonly SignedEnvelopeT[],
): { peers: PeerRecord[]; rejected: number } {
  const peers: PeerRecord[] = [];
  for (const envelope of envelopes) {
    const opened = openEnvelope(caCertPem, envelope);
    const record = opened.ok ? AddressRecord.safeParse(opened.payload) : null;
    if (
      opened.ok &&
      record?.success &&
      formatPrefix(parsePrefix(record.data.prefix)!) === opened.signer.prefix
    ) {
      peers.push({ ...record.data, name: opened.signer.name });
    }
  }
  return { peers, rejected: envelopes.length - peers.length };
}
