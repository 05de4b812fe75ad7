/**
 * Typed client of the registry API. It trusts nothing it did not check: the CA is accepted only
 * when its fingerprint matches the pinned one (or the connection is HTTPS), and every answer
 * is validated against the API contract.
 */
import { signEnvelope } from '../../registry/envelope';
import { certificateFingerprint } from '../../registry/pki';
import {
  API_PREFIX,
  AnnounceResponse,
  BootstrapResponse,
  CaResponse,
  CertificateResponse,
  CrlResponse,
  SignedConfig,
  type CertificateResponseT,
  type EndpointT,
  type SignedConfigT,
  type SignedEnvelopeT,
} from '../../registry/protocol';
import { RegistryClientError } from './errors';
import { requestJson } from './http';

/** A node's credentials: its certificate and the private key it was issued for. */
export interface NodeIdentity {
  /** Node certificate, PEM. */
  certPem: string;
  /** PKCS#8 PEM private key. */
  privateKeyPem: string;
}

/** Normalizes a SHA-256 fingerprint given as hex, with or without colons, any case. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new RegistryClientError(
      'invalid_request',
      `'${text}' is not a SHA-256 fingerprint (64 hex digits)`,
    );
  }
  return hex;
}

/** A client of one registry. */
export class RegistryClient {
  readonly #base: URL;

  /** Creates a client of the registry at `url` (e.g. `http://registry.example:8740`). */
  constructor(
    url: string,
    readonly timeoutMs = 15_000,
  ) {
    this.#base = new URL(url);
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:') {
      throw new RegistryClientError(
        'invalid_request',
        `the registry URL must be http:// or https://, not ${url}`,
      );
    }
  }

  #url(path: string): URL {
    return new URL(`${API_PREFIX}/${path}`, this.#base);
  }

  /**
   * The network CA certificate. With `fingerprint`, it must match; without, only HTTPS (whose
   * server certificate the system verifies) is trusted to deliver it.
   */
  async fetchCa(fingerprint?: string): Promise<string> {
    if (fingerprint === undefined && this.#base.protocol !== 'https:') {
      throw new RegistryClientError(
        'ca_not_pinned',
        'over plain HTTP the CA must be pinned: pass --ca-fingerprint (it comes with the token)',
      );
    }
    const expected = fingerprint === undefined ? undefined : normalizeFingerprint(fingerprint);
    const { ca } = await requestJson(
      this.#url('ca'),
      { method: 'GET', timeoutMs: this.timeoutMs },
      CaResponse,
    );
    const actual = certificateFingerprint(ca);
    if (expected !== undefined && actual !== expected) {
      throw new RegistryClientError(
        'ca_fingerprint_mismatch',
        `the registry's CA has fingerprint ${actual}, not the pinned ${expected}: wrong registry or someone in between`,
      );
    }
    return ca;
  }

  /** Enrols with a token and a blank CSR. */
  enroll(token: string, csr: string): Promise<CertificateResponseT> {
    return requestJson(
      this.#url('enroll'),
      { method: 'POST', body: { token, csr }, timeoutMs: this.timeoutMs },
      CertificateResponse,
    );
  }

  /** The signed network config, unverified (see network-config.ts). */
  fetchConfig(): Promise<SignedConfigT> {
    return requestJson(this.#url('config'), { method: 'GET', timeoutMs: this.timeoutMs }, SignedConfig);
  }

  /** The CA's current revocation list. */
  fetchCrl(): Promise<{ crl: string; revoked: number }> {
    return requestJson(this.#url('crl'), { method: 'GET', timeoutMs: this.timeoutMs }, CrlResponse);
  }

  #signed(identity: NodeIdentity, payload: object): SignedEnvelopeT {
    return signEnvelope(identity.privateKeyPem, identity.certPem, { ...payload, timestamp: Date.now() });
  }

  /** Asks for a new certificate for a (new or the same) key, in the renewal window. */
  renew(identity: NodeIdentity, csr: string): Promise<CertificateResponseT> {
    const body = this.#signed(identity, { type: 'renew', csr });
    return requestJson(
      this.#url('renew'),
      { method: 'POST', body, timeoutMs: this.timeoutMs },
      CertificateResponse,
    );
  }

  /** Publishes this node's signed address record. */
  announce(
    identity: NodeIdentity,
    prefix: string,
    endpoints: EndpointT[],
  ): Promise<{ prefix: string; lastSeen: string }> {
    const body = this.#signed(identity, { type: 'announce', prefix, endpoints });
    return requestJson(
      this.#url('announce'),
      { method: 'POST', body, timeoutMs: this.timeoutMs },
      AnnounceResponse,
    );
  }

  /** Signed address records of up to `count` live peers (check them with peer-records.ts). */
  async bootstrap(identity: NodeIdentity, count: number): Promise<SignedEnvelopeT[]> {
    const body = this.#signed(identity, { type: 'bootstrap', count });
    const { peers } = await requestJson(
      this.#url('bootstrap'),
      { method: 'POST', body, timeoutMs: this.timeoutMs },
      BootstrapResponse,
    );
    return peers;
  }
}
