/**
 * Certificate authority primitives: the network's CA, node keys, certificate requests and
 * certificates. Built on @peculiar/x509 (no hand-written ASN.1) with ECDSA P-256 / SHA-256,
 * which Debian's OpenVPN 2.6 accepts for TLS (`dh none`, ECDHE).
 */
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, createPublicKey, sign, verify, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** Key and signature algorithm of every key in the network. */
export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const DAY_MS = 86_400_000;

/** A key pair with its private half in PKCS#8 PEM (what OpenVPN and node:crypto read). */
export interface NodeKey {
  /** The WebCrypto key pair, for signing requests. */
  keys: CryptoKeyPair;
  /** `-----BEGIN PRIVATE KEY-----` PEM of the private key. */
  privateKeyPem: string;
}

/** The CA: its self-signed certificate and private key, both PEM. */
export interface CaBundle {
  /** Self-signed CA certificate. */
  certPem: string;
  /** PKCS#8 PEM of the CA's private key. */
  privateKeyPem: string;
}

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  /** Subject common name; for nodes it must match the helper's PeerName pattern. */
  commonName: string;
  /** Validity from now, in days. */
  validDays: number;
  /** Hex serial number; random when omitted. */
  serialNumber?: string;
  /** Start of validity; now when omitted (tests use past dates to make expired certificates). */
  notBefore?: Date;
  /** Optional organizational unit after the CN (registry-issued node certificates carry their prefix there). */
  organizationalUnit?: string;
}

function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label) + '\n';
}

/** Generates an ECDSA P-256 key pair. */
export async function generateNodeKey(): Promise<NodeKey> {
  const keys = await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: toPem(pkcs8, 'PRIVATE KEY') };
}

/** Imports a PKCS#8 PEM private key for signing. */
export async function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(privateKeyPem);
  return await webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

/** Creates a new self-signed CA valid for `validDays`. */
export async function createCa(options: { commonName: string; validDays: number }): Promise<CaBundle> {
  const key = await generateNodeKey();
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [options.commonName] }],
    keys: key.keys,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validDays * DAY_MS),
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', privateKeyPem: key.privateKeyPem };
}

/**
 * Creates a PKCS#10 certificate request for `key`, in PEM. Without `commonName` the subject is
 * empty: what the registry requires, since it assigns every node its name and prefix.
 */
export async function createCsr(key: NodeKey, commonName?: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: commonName === undefined ? [] : [{ CN: [commonName] }],
    keys: key.keys,
    signingAlgorithm: EC_ALGORITHM,
  });
  return csr.toString('pem') + '\n';
}

/** What a certificate request asks for (its signature is checked by {@link issueCertificate}). */
export interface CsrInfo {
  /** Requested subject in RFC 4514 form; empty when none. */
  subject: string;
  /** True when the request carries attributes (extension requests, challenge passwords …). */
  hasAttributes: boolean;
  /** True when the key is ECDSA P-256, the network's one key type. */
  keyIsP256: boolean;
}

/** Parses a PEM certificate request; throws when it is not one. */
export function inspectCsr(csrPem: string): CsrInfo {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  return {
    subject: csr.subject,
    hasAttributes: csr.attributes.length > 0,
    keyIsP256: algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256',
  };
}

/** Thrown by {@link issueCertificate} when a request is not signed by the key it contains. */
export class CsrSignatureError extends Error {
  /** Creates the error. */
  constructor() {
    super('the certificate request is not signed by its own key');
    this.name = 'CsrSignatureError';
  }
}

/** What signing needs from a CA, parsed and imported once per bundle. */
interface CaMaterial {
  cert: x509.X509Certificate;
  signingKey: Promise<CryptoKey>;
  authorityKeyId: Promise<x509.AuthorityKeyIdentifierExtension>;
}

const caMaterials = new WeakMap<CaBundle, CaMaterial>();

function caMaterial(ca: CaBundle): CaMaterial {
  let material = caMaterials.get(ca);
  if (!material) {
    const cert = new x509.X509Certificate(ca.certPem);
    material = {
      cert,
      signingKey: importSigningKey(ca.privateKeyPem),
      authorityKeyId: x509.AuthorityKeyIdentifierExtension.create(cert),
    };
    caMaterials.set(ca, material);
  }
  return material;
}

/**
 * Signs the public key of a certificate request with the CA. The request's own signature is
 * checked first (proof that the requester holds the key; {@link CsrSignatureError} when it
 * fails); its subject is ignored — the CA decides the name. Throws when the request is
 * malformed.
 */
export async function issueCertificate(ca: CaBundle, csrPem: string, options: IssueOptions): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new CsrSignatureError();
  const material = caMaterial(ca);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber,
    subject: [
      { CN: [options.commonName] },
      ...(options.organizationalUnit ? [{ OU: [options.organizationalUnit] }] : []),
    ],
    issuer: material.cert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validDays * DAY_MS),
    publicKey: csr.publicKey,
    signingKey: await material.signingKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      await material.authorityKeyId,
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}

/** One revoked certificate as listed in a CRL. */
export interface RevokedEntry {
  /** Hex serial number of the revoked certificate. */
  serialNumber: string;
  /** When it was revoked. */
  revokedAt: Date;
}

/**
 * Creates the CA's certificate revocation list (`-----BEGIN X509 CRL-----` PEM), valid from
 * `thisUpdate` until `nextUpdate`, listing `revoked`.
 */
export async function createCrl(
  ca: CaBundle,
  revoked: readonly RevokedEntry[],
  options: { thisUpdate: Date; nextUpdate: Date },
): Promise<string> {
  const material = caMaterial(ca);
  const crl = await x509.X509CrlGenerator.create({
    issuer: material.cert.subjectName,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    signingKey: await material.signingKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [await material.authorityKeyId],
    entries: revoked.map((r) => ({
      serialNumber: r.serialNumber,
      revocationDate: r.revokedAt,
      reason: x509.X509CrlReason.privilegeWithdrawn,
    })),
  });
  // OpenSSL (and so OpenVPN) reads only the `X509 CRL` label, not the library's default `CRL`.
  return toPem(crl.rawData, 'X509 CRL');
}

/** SHA-256 fingerprint of a certificate's DER encoding, as 64 lowercase hex digits. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** A serial number in the one form the registry stores: lowercase hex without leading zeros. */
export function canonicalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** True when `certPem` carries a signature of the CA in `caCertPem` and names it as issuer. */
export function isIssuedBy(caCertPem: string, certPem: string): boolean {
  const ca = new X509Certificate(caCertPem);
  const cert = new X509Certificate(certPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * Signs `data` (UTF-8) with a PKCS#8 PEM EC key: ECDSA P-256 / SHA-256, signature as raw r||s
 * in base64url. Used for the network config (CA key) and for node requests and address
 * records (node keys).
 */
export function signData(privateKeyPem: string, data: string): string {
  const key = createPrivateKey(privateKeyPem);
  return sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/** Checks a {@link signData} signature against the public key of `certPem`. */
export function verifyData(certPem: string, data: string, signature: string): boolean {
  const key = createPublicKey(new X509Certificate(certPem).publicKey.export({ format: 'pem', type: 'spki' }));
  return verify(
    'sha256',
    Buffer.from(data),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
}
