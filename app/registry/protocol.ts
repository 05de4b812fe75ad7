/**
 * The registry's HTTP API contract, shared by the server (app/registry) and the client
 * (app/core/registry-client): paths, request and response bodies as zod schemas, and the
 * stable error codes. Every body is JSON; every error is `{ "error": { "code", "message" } }`.
 *
 * Node-authenticated requests (renew, announce, bootstrap) carry a {@link SignedEnvelope}: the
 * node's certificate, a JSON payload as text, and the node key's signature over that text.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parsePrefix } from './ipv6';

/** Version prefix of every API path. */
export const API_PREFIX = '/v1';

/** Largest request body the server reads, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** How far a signed payload's timestamp may be from the registry's clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Stable error codes of the API, with the HTTP status each is sent with. */
export const ERROR_STATUS = {
  bad_json: 400,
  invalid_request: 400,
  too_large: 413,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  token_unknown: 403,
  token_expired: 403,
  token_used: 403,
  token_revoked: 403,
  csr_invalid: 400,
  csr_bad_signature: 400,
  csr_key_unsupported: 400,
  csr_not_blank: 400,
  prefix_space_exhausted: 503,
  cert_invalid: 403,
  cert_unknown: 403,
  cert_revoked: 403,
  cert_expired: 403,
  bad_signature: 403,
  clock_skew: 403,
  prefix_mismatch: 403,
  stale_record: 409,
  renew_too_early: 409,
  node_unknown: 404,
  token_not_found: 404,
  smtp_not_configured: 409,
  mail_failed: 502,
  internal: 500,
} as const;

/** One of the API's stable error codes. */
export type RegistryErrorCode = keyof typeof ERROR_STATUS;

/** Body of every error response. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/** An IPv6 prefix in canonical-or-not text form with host bits zero. */
export const PrefixText = z
  .string()
  .max(50)
  .refine((s) => parsePrefix(s) !== null, 'expected an IPv6 prefix such as fd12:3456:789a:1::/64');

/** One PEM block, bounded. */
export const PemText = z
  .string()
  .max(16 * 1024)
  .regex(
    /^-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=\r\n]+-----END [A-Z0-9 ]+-----\r?\n?$/,
    'expected one PEM block',
  );

/** An enrolment token: `vfb_` and 43 base64url characters (256 random bits). */
export const TokenText = z
  .string()
  .regex(/^vfb_[A-Za-z0-9_-]{43}$/, 'a token looks like vfb_ followed by 43 letters, digits, - or _');

/** Base64url signature. */
export const SignatureText = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'expected base64url');

/** Milliseconds since the epoch. */
export const Timestamp = z.number().int().min(0).max(8.64e15);

/** `POST /v1/enroll`: a token and a certificate request with an empty subject. */
export const EnrollRequest = z.strictObject({ token: TokenText, csr: PemText });

/** Answer to an enrolment or a renewal. */
export const CertificateResponse = z.object({
  /** The node certificate, PEM. */
  certificate: PemText,
  /** The CA certificate, PEM. */
  ca: PemText,
  /** The node's prefix, canonical. */
  prefix: PrefixText,
  /** The node's name (certificate common name; see node-name.ts). */
  name: z.string(),
  /** The certificate's serial number, lowercase hex. */
  serial: z.string(),
  /** End of validity, ISO 8601. */
  notAfter: z.string(),
});

/** `GET /v1/ca`. */
export const CaResponse = z.object({ ca: PemText, fingerprint: z.string().regex(/^[0-9a-f]{64}$/) });

/** `GET /v1/config`: the network config as JSON text and the CA's signature over it. */
export const SignedConfig = z.strictObject({ config: z.string().max(8 * 1024), signature: SignatureText });

/** `GET /v1/crl`. */
export const CrlResponse = z.object({
  crl: z
    .string()
    .max(60 * 1024)
    .regex(/^-----BEGIN X509 CRL-----\r?\n[A-Za-z0-9+/=\r\n]+-----END X509 CRL-----\r?\n?$/),
  revoked: z.number().int(),
});

/** A request or record signed by a node's key. */
export const SignedEnvelope = z.strictObject({
  /** The signer's certificate. */
  cert: PemText,
  /** The signed JSON document, as text. */
  payload: z.string().max(8 * 1024),
  /** Signature of the node key over `payload` (see pki.signData). */
  signature: SignatureText,
});

/** One way to reach a node. */
export const Endpoint = z.strictObject({
  /** An IPv4 or IPv6 literal. */
  address: z
    .string()
    .max(45)
    .refine((s) => isIP(s) !== 0, 'expected an IP address'),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['udp', 'tcp']),
});

/** Payload of `POST /v1/announce`: the node's own address record. */
export const AddressRecord = z.strictObject({
  type: z.literal('announce'),
  /** The announcing node's prefix; must be the one its certificate names. */
  prefix: PrefixText,
  endpoints: z.array(Endpoint).min(1).max(16),
  timestamp: Timestamp,
});

/** Payload of `POST /v1/renew`. */
export const RenewPayload = z.strictObject({ type: z.literal('renew'), csr: PemText, timestamp: Timestamp });

/** Payload of `POST /v1/bootstrap`. */
export const BootstrapPayload = z.strictObject({
  type: z.literal('bootstrap'),
  /** How many peers the node wants at most. */
  count: z.number().int().min(1).max(100),
  timestamp: Timestamp,
});

/** Answer of `POST /v1/bootstrap`: signed address records of live peers (never the asker). */
export const BootstrapResponse = z.object({ peers: z.array(SignedEnvelope) });

/** Answer of `POST /v1/announce`. */
export const AnnounceResponse = z.object({ prefix: PrefixText, lastSeen: z.string() });

/** Inferred types of the schemas above. */
export type EnrollRequestT = z.infer<typeof EnrollRequest>;
/** @see CertificateResponse */
export type CertificateResponseT = z.infer<typeof CertificateResponse>;
/** @see SignedEnvelope */
export type SignedEnvelopeT = z.infer<typeof SignedEnvelope>;
/** @see AddressRecord */
export type AddressRecordT = z.infer<typeof AddressRecord>;
/** @see Endpoint */
export type EndpointT = z.infer<typeof Endpoint>;
/** @see SignedConfig */
export type SignedConfigT = z.infer<typeof SignedConfig>;

/** `POST /v1/admin/tokens`. */
export const TokenCreateRequest = z.strictObject({
  count: z.number().int().min(1).max(1000).default(1),
  /** Lifetime in seconds; a week when omitted. */
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 86_400)
    .optional(),
  /** Mail the token there (needs the smtpUrl setting). */
  email: z.email().max(254).optional(),
});

/** `POST /v1/admin/tokens/revoke`. */
export const TokenRevokeRequest = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/, 'a token id is 16 hex digits'),
});

/** `POST /v1/admin/nodes/revoke`: the node's prefix or name. */
export const NodeRevokeRequest = z.strictObject({ node: z.string().min(1).max(64) });

/** `POST /v1/admin/config`: one `config set`. */
export const ConfigSetRequest = z.strictObject({
  key: z.string().min(1).max(64),
  value: z.string().max(512),
});
