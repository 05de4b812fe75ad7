/**
 * Requests and records signed by a node: the node's certificate, a JSON payload as text and
 * the signature of the node key over it. Anyone holding the CA certificate can check one, so
 * the registry uses this to authenticate nodes and peers use it to check address records the
 * registry hands out. Pure (no I/O); revocation and expiry are the caller's checks.
 */
import { X509Certificate } from 'node:crypto';
import { canonicalSerial, isIssuedBy, signData, verifyData } from './pki';
import { parseNodeName } from './node-name';
import { formatPrefix } from './ipv6';
import type { SignedEnvelopeT } from './protocol';

/** Prepended to the payload before signing, so nothing else a node key signs can pass for one. */
const SIGNING_CONTEXT = 'vifibnet node message v1\n';

/** Signs `payload` (serialized to JSON) with the node key; `certPem` travels with it. */
export function signEnvelope(privateKeyPem: string, certPem: string, payload: object): SignedEnvelopeT {
  const text = JSON.stringify(payload);
  return { cert: certPem, payload: text, signature: signData(privateKeyPem, SIGNING_CONTEXT + text) };
}

/** The signer of a checked envelope, read from its certificate. */
export interface EnvelopeSigner {
  /** Certificate serial number, canonical (see pki.canonicalSerial). */
  serial: string;
  /** Node name (certificate common name). */
  name: string;
  /** The prefix the name encodes, canonical. */
  prefix: string;
  /** End of the certificate's validity. */
  notAfter: Date;
}

/** Outcome of {@link openEnvelope}. */
export type EnvelopeCheck =
  | { ok: true; signer: EnvelopeSigner; payload: unknown }
  | { ok: false; code: 'cert_invalid' | 'bad_signature' | 'invalid_request'; message: string };

/**
 * Checks that the envelope's certificate was issued by the CA to a node, that the node's key
 * signed the payload, and that the payload is JSON. Does not look at validity dates.
 */
export function openEnvelope(caCertPem: string, envelope: SignedEnvelopeT): EnvelopeCheck {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(envelope.cert);
  } catch {
    return {
      ok: false,
      code: 'cert_invalid',
      message: 'the certificate of the signed request cannot be parsed',
    };
  }
  const name = /^CN=([^\n]*)$/m.exec(cert.subject)?.[1] ?? '';
  const prefix = parseNodeName(name);
  if (!isIssuedBy(caCertPem, envelope.cert) || prefix === null) {
    return {
      ok: false,
      code: 'cert_invalid',
      message: 'the certificate of the signed request was not issued by this network CA to a node',
    };
  }
  if (!verifyData(envelope.cert, SIGNING_CONTEXT + envelope.payload, envelope.signature)) {
    return {
      ok: false,
      code: 'bad_signature',
      message: `the request is not signed by the key of the certificate it carries (node ${name})`,
    };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(envelope.payload);
  } catch {
    return { ok: false, code: 'invalid_request', message: 'the signed payload is not JSON' };
  }
  return {
    ok: true,
    payload,
    signer: {
      serial: canonicalSerial(cert.serialNumber),
      name,
      prefix: formatPrefix(prefix),
      notAfter: new Date(cert.validTo),
    },
  };
}
