/**
 * Authentication of node requests: the envelope must be signed by the key of a certificate
 * this registry issued, still on record, neither revoked nor expired, with a fresh timestamp
 * and a payload of the expected shape.
 */
import type { z } from 'zod';
import { openEnvelope, type EnvelopeSigner } from './envelope';
import { RegistryError } from './errors';
import { MAX_CLOCK_SKEW_MS, type SignedEnvelopeT } from './protocol';
import type { Registry } from './registry';

/** Checks `envelope` and parses its payload with `schema`; throws a {@link RegistryError} when refused. */
export function authenticate<S extends z.ZodType<{ timestamp: number }>>(
  registry: Registry,
  envelope: SignedEnvelopeT,
  schema: S,
): { signer: EnvelopeSigner; payload: z.infer<S> } {
  const opened = openEnvelope(registry.ca.certPem, envelope);
  if (!opened.ok) throw new RegistryError(opened.code, opened.message);
  const { signer } = opened;
  const row = registry.db
    .prepare('SELECT revoked_at, not_after FROM certificates WHERE serial = ?')
    .get(signer.serial) as { revoked_at: number | null; not_after: number } | undefined;
  if (!row) {
    throw new RegistryError(
      'cert_unknown',
      `certificate ${signer.serial} of node ${signer.name} is not on record here`,
    );
  }
  if (row.revoked_at !== null) {
    throw new RegistryError(
      'cert_revoked',
      `certificate ${signer.serial} of node ${signer.name} was revoked on ${new Date(row.revoked_at).toISOString()}`,
    );
  }
  const now = registry.now();
  if (row.not_after <= now) {
    throw new RegistryError(
      'cert_expired',
      `certificate of node ${signer.name} expired on ${new Date(row.not_after).toISOString()}; enrol again with a new token`,
    );
  }
  const parsed = schema.safeParse(opened.payload);
  if (!parsed.success) {
    throw new RegistryError(
      'invalid_request',
      `signed payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const skew = parsed.data.timestamp - now;
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    throw new RegistryError(
      'clock_skew',
      `the request's timestamp is ${Math.round(skew / 1000)} s off the registry's clock (at most ${MAX_CLOCK_SKEW_MS / 1000} s allowed): check the node's clock`,
    );
  }
  return { signer, payload: parsed.data };
}
