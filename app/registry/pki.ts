/**
 * Certificate authority primitives: the network's CA, node keys, certificate requests and
 * certificates. Built on @peculiar/x509 (no hand-written ASN.1) with ECDSA P-256 / SHA-256,
 * which Debian's OpenVPN 2.6 accepts for TLS (`dh none`, ECDHE).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
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
}

function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label) + '\n';
}

/** Generates an ECDSA P-256 key pair. */
export async function generateNodeKey(): Promise<NodeKey> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']));
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: toPem(pkcs8, 'PRIVATE KEY') };
}

/** Imports a PKCS#8 PEM private key for signing. */
export async function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(privateKeyPem);
  return (await webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']));
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

/** Creates a PKCS#10 certificate request for `key`, in PEM. */
export async function createCsr(key: NodeKey, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: key.keys,
    signingAlgorithm: EC_ALGORITHM,
  });
  return csr.toString('pem') + '\n';
}

/**
 * Signs the public key of a certificate request with the CA. The request's own signature is
 * checked first (proof that the requester holds the key); its subject is ignored — the CA
 * decides the name. Throws when the request is malformed or its signature is wrong.
 */
export async function issueCertificate(ca: CaBundle, csrPem: string, options: IssueOptions): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('the certificate request is not signed by its own key');
  const caCert = new x509.X509Certificate(ca.certPem);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber,
    subject: [{ CN: [options.commonName] }],
    issuer: caCert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validDays * DAY_MS),
    publicKey: csr.publicKey,
    signingKey: await importSigningKey(ca.privateKeyPem),
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
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}
