/**
 * `credentials.install` / `credentials.setCrl`: the CA, the node certificate and key, and the
 * CA's revocation list, parsed and cross-checked before anything is written, then stored
 * atomically in a root-only directory that OpenVPN configurations point at.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { HelperContext } from '../context';
import { ensureDir, exists, writeFileAtomic } from '../fsutil';
import { HelperError, type OperationParams, type OperationResult } from '../protocol';
import type { TlsPaths } from '../config/openvpn';

// Node's global WebCrypto (the same object as node:crypto's webcrypto), typed to fit both the
// Node-only and the DOM-including programs
x509.cryptoProvider.set(globalThis.crypto);

/** Summary of the installed certificate, as the snapshot shows it. */
export type CredentialsInfo = OperationResult<'credentials.install'>;

function invalid(message: string): never {
  throw new HelperError('invalid_params', message);
}

function parseCert(what: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    return invalid(`${what} is not a valid X.509 certificate (${(err as Error).message})`);
  }
}

function checkValidity(what: string, cert: X509Certificate, now: Date): void {
  if (now < new Date(cert.validFrom))
    invalid(`${what} is not valid before ${new Date(cert.validFrom).toISOString()}`);
  if (now > new Date(cert.validTo)) invalid(`${what} expired on ${new Date(cert.validTo).toISOString()}`);
}

function summary(cert: X509Certificate): CredentialsInfo {
  return {
    fingerprint: cert.fingerprint256,
    subject: cert.subject.split('\n').join(', '),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/**
 * Checks a CA, certificate and key: each parses, the CA is a CA, the certificate was issued and
 * signed by it, the key matches the certificate, and both are within their validity. Pure apart
 * from the clock; throws `invalid_params` with a message saying which check failed.
 */
export function checkCredentials(
  params: OperationParams<'credentials.install'>,
  now = new Date(),
): CredentialsInfo {
  const ca = parseCert('the CA certificate', params.ca);
  const cert = parseCert('the node certificate', params.cert);
  let key: KeyObject;
  try {
    key = createPrivateKey(params.key);
  } catch (err) {
    return invalid(`the key is not a valid private key (${(err as Error).message})`);
  }
  if (!ca.ca) invalid('the CA certificate is not a CA (basicConstraints CA:TRUE missing)');
  if (cert.ca) invalid('the node certificate is a CA certificate, not a node certificate');
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    invalid('the node certificate is not signed by this CA');
  if (!cert.checkPrivateKey(key)) invalid('the key does not match the node certificate');
  checkValidity('the CA certificate', ca, now);
  checkValidity('the node certificate', cert, now);
  return summary(cert);
}

/** The installed credentials. */
export class Credentials {
  private info: CredentialsInfo | null = null;

  /** Creates the module over the shared context. */
  constructor(private readonly ctx: HelperContext) {}

  /** Paths OpenVPN configurations use. */
  get paths(): TlsPaths & { crl: string | null } {
    const dir = this.ctx.paths.credentialsDir;
    return {
      ca: join(dir, 'ca.crt'),
      cert: join(dir, 'node.crt'),
      key: join(dir, 'node.key'),
      crl: this.crlInstalled ? join(dir, 'crl.pem') : null,
    };
  }

  /** True once a CRL was installed. */
  crlInstalled = false;

  /** Summary of the installed certificate, or null. */
  get current(): CredentialsInfo | null {
    return this.info;
  }

  /** Loads credentials a previous run installed (after a restart), when they are still valid. */
  async load(): Promise<void> {
    const dir = this.ctx.paths.credentialsDir;
    try {
      const [ca, cert, key] = await Promise.all(
        ['ca.crt', 'node.crt', 'node.key'].map((f) => readFile(join(dir, f), 'utf8')),
      );
      this.info = checkCredentials({ ca: ca!, cert: cert!, key: key! });
      this.crlInstalled = await exists(join(dir, 'crl.pem'));
    } catch {
      this.info = null;
    }
  }

  /** Checks and installs the CA, certificate and key. */
  async install(params: OperationParams<'credentials.install'>): Promise<CredentialsInfo> {
    const info = checkCredentials(params);
    const dir = this.ctx.paths.credentialsDir;
    await this.ctx.logger.step(
      'Installing credentials',
      async () => {
        await ensureDir(dir, 0o700);
        const p = this.paths;
        const previousCa = await readFile(p.ca, 'utf8').catch(() => null);
        await writeFileAtomic(p.key, params.key, 0o600);
        await writeFileAtomic(p.cert, params.cert, 0o600);
        await writeFileAtomic(p.ca, params.ca, 0o600);
        if (
          previousCa !== null &&
          new X509Certificate(previousCa).fingerprint256 !== new X509Certificate(params.ca).fingerprint256
        ) {
          // a CRL of another CA would make OpenVPN refuse every peer
          await rm(join(dir, 'crl.pem'), { force: true });
          this.crlInstalled = false;
        }
      },
      { subject: info.subject },
    );
    this.info = info;
    return info;
  }

  /**
   * Checks a CRL against the installed CA (signature, validity) and installs it. Returns true in
   * `first` when no CRL was installed before (OpenVPN processes then need a restart to use it).
   */
  async setCrl(
    params: OperationParams<'credentials.setCrl'>,
  ): Promise<OperationResult<'credentials.setCrl'> & { first: boolean }> {
    if (!this.info) throw new HelperError('precondition', 'install credentials before a CRL');
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(params.crl);
    } catch (err) {
      return invalid(`the CRL does not parse (${(err as Error).message})`);
    }
    const caPem = await readFile(this.paths.ca, 'utf8');
    const ca = new x509.X509Certificate(caPem);
    let signed = false;
    try {
      signed = await crl.verify({ publicKey: ca });
    } catch {
      signed = false;
    }
    if (!signed) invalid('the CRL is not signed by the installed CA');
    const now = new Date();
    if (crl.nextUpdate && crl.nextUpdate < now) {
      invalid(`the CRL expired on ${crl.nextUpdate.toISOString()} (OpenVPN would refuse every peer)`);
    }
    if (crl.thisUpdate > new Date(now.getTime() + 5 * 60_000))
      invalid(`the CRL is dated in the future (${crl.thisUpdate.toISOString()})`);
    const first = !this.crlInstalled;
    const path = join(this.ctx.paths.credentialsDir, 'crl.pem');
    await this.ctx.logger.step('Installing the CRL', () => writeFileAtomic(path, params.crl, 0o600), {
      revoked: crl.entries.length,
    });
    this.crlInstalled = true;
    return { revoked: crl.entries.length, nextUpdate: crl.nextUpdate?.toISOString() ?? null, first };
  }
}
