/**
 * Enrolment and renewal: a certificate request becomes a node certificate whose subject names
 * the node's prefix (see node-name.ts).
 *
 * Crash safety: the prefix is taken in the in-memory allocator, the certificate is signed, and
 * only then one transaction consumes the token and records node and certificate. A kill at any
 * point leaves all of it or none of it in the database, and the allocator is rebuilt from the
 * database on start; the answer is sent only after the commit.
 */
import { randomBytes } from 'node:crypto';
import { AllocationError } from './allocator';
import { RegistryError } from './errors';
import { formatPrefix, type Prefix } from './ipv6';
import { nodeName } from './node-name';
import { CsrSignatureError, canonicalSerial, inspectCsr, issueCertificate, type CsrInfo } from './pki';
import {
  RenewPayload,
  type CertificateResponseT,
  type EnrollRequestT,
  type SignedEnvelopeT,
} from './protocol';
import { unitPrefix, type Registry } from './registry';
import { readSettings } from './settings';
import { authenticate } from './signed-request';
import { consumeToken, usableToken } from './tokens';

/** A node may renew during the last this-many days of its certificate's validity. */
export const RENEW_WINDOW_DAYS = 30;

const DAY_MS = 86_400_000;

/**
 * Refuses a request that is unparseable, of another key type, or asks for a name. Its
 * signature is checked when signing (see {@link sign}).
 */
function checkCsr(csrPem: string): void {
  let info: CsrInfo;
  try {
    info = inspectCsr(csrPem);
  } catch {
    throw new RegistryError('csr_invalid', 'the CSR is not a PEM PKCS#10 certificate request');
  }
  if (!info.keyIsP256) {
    throw new RegistryError(
      'csr_key_unsupported',
      'the CSR key must be ECDSA P-256, the one key type of this network',
    );
  }
  if (info.subject !== '' || info.hasAttributes) {
    throw new RegistryError(
      'csr_not_blank',
      `the CSR asks for ${info.subject ? `subject "${info.subject}"` : 'attributes or extensions'}; the registry assigns every node its name and prefix, so send a CSR with an empty subject and no attributes`,
    );
  }
}

/** A random positive 128-bit serial number without leading zero byte. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + (bytes[0]! % 0x70);
  return bytes.toString('hex');
}

/** Signs a certificate for `prefix` after checking the CSR's own signature; nothing is stored yet. */
async function sign(registry: Registry, csrPem: string, prefix: Prefix) {
  const serial = newSerial();
  const notBefore = Math.floor(registry.now() / 1000) * 1000 - 60_000;
  const { certDays } = readSettings(registry.db);
  const name = nodeName(prefix);
  const pem = await issueCertificate(registry.ca, csrPem, {
    commonName: name,
    organizationalUnit: formatPrefix(prefix),
    validDays: certDays,
    serialNumber: serial,
    notBefore: new Date(notBefore),
  }).catch((err: unknown) => {
    if (!(err instanceof CsrSignatureError)) throw err;
    throw new RegistryError(
      'csr_bad_signature',
      'the CSR is not signed by the key it contains: create it with the same key you will use',
    );
  });
  return { pem, serial: canonicalSerial(serial), name, notBefore, notAfter: notBefore + certDays * DAY_MS };
}

type Signed = Awaited<ReturnType<typeof sign>>;

function recordCertificate(registry: Registry, prefix: string, cert: Signed): void {
  registry.db
    .prepare(
      'INSERT INTO certificates (serial, prefix, pem, not_before, not_after, issued_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(cert.serial, prefix, cert.pem, cert.notBefore, cert.notAfter, registry.now());
}

function response(registry: Registry, prefix: string, cert: Signed): CertificateResponseT {
  return {
    certificate: cert.pem,
    ca: registry.ca.certPem,
    prefix,
    name: cert.name,
    serial: cert.serial,
    notAfter: new Date(cert.notAfter).toISOString(),
  };
}

/** Enrols a new node: consumes the token, allocates a prefix, issues its certificate. */
export async function enroll(registry: Registry, request: EnrollRequestT): Promise<CertificateResponseT> {
  checkCsr(request.csr);
  usableToken(registry, request.token);
  let unit: number;
  try {
    unit = registry.allocator.allocate(0).offset;
  } catch (err) {
    if (err instanceof AllocationError && err.kind === 'exhausted') {
      throw new RegistryError(
        'prefix_space_exhausted',
        `every node prefix of the network is taken: ${err.message}`,
      );
    }
    throw err;
  }
  let committed = false;
  try {
    const prefix = unitPrefix(registry, unit);
    const cert = await sign(registry, request.csr, prefix);
    const text = formatPrefix(prefix);
    registry.db
      .transaction(() => {
        const tokenId = usableToken(registry, request.token);
        consumeToken(registry, tokenId, text);
        registry.db
          .prepare('INSERT INTO nodes (prefix, unit, name, token_id, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(text, unit, cert.name, tokenId, registry.now());
        recordCertificate(registry, text, cert);
      })
      .immediate();
    committed = true;
    registry.log.info('Enrolled node', { name: cert.name, prefix: text, serial: cert.serial });
    return response(registry, text, cert);
  } finally {
    if (!committed) registry.allocator.free({ offset: unit, order: 0 });
  }
}

/** Issues a new certificate for the node that signed the request, in its renewal window. */
export async function renew(registry: Registry, envelope: SignedEnvelopeT): Promise<CertificateResponseT> {
  const { signer, payload } = authenticate(registry, envelope, RenewPayload);
  const { unit, latest } = registry.db
    .prepare(
      'SELECT n.unit AS unit, max(c.not_after) AS latest FROM nodes n JOIN certificates c USING (prefix) WHERE prefix = ? AND c.revoked_at IS NULL',
    )
    .get(signer.prefix) as { unit: number; latest: number };
  const opensAt = latest - RENEW_WINDOW_DAYS * DAY_MS;
  if (registry.now() < opensAt) {
    throw new RegistryError(
      'renew_too_early',
      `node ${signer.name} holds a certificate valid until ${new Date(latest).toISOString()}; renewal opens ${RENEW_WINDOW_DAYS} days before, on ${new Date(opensAt).toISOString()}`,
    );
  }
  checkCsr(payload.csr);
  const cert = await sign(registry, payload.csr, unitPrefix(registry, unit));
  registry.db
    .transaction(() => {
      const node = registry.db.prepare('SELECT revoked_at FROM nodes WHERE prefix = ?').get(signer.prefix) as
        { revoked_at: number | null } | undefined;
      if (!node || node.revoked_at !== null) {
        throw new RegistryError('cert_revoked', `node ${signer.name} was revoked while renewing`);
      }
      recordCertificate(registry, signer.prefix, cert);
    })
    .immediate();
  registry.log.info('Renewed node certificate', { name: cert.name, serial: cert.serial });
  return response(registry, signer.prefix, cert);
}
