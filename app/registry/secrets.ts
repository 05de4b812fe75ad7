/**
 * Bearer secrets (enrolment tokens, the admin credential): 256 random bits, stored only as
 * their SHA-256, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: `prefix` then 43 base64url characters (256 bits). */
export function newSecret(prefix: 'vfb_' | 'vfa_'): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** SHA-256 of a secret, hex: what the database stores. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** True when `secret` hashes to `expectedHash`, compared in constant time. */
export function secretMatches(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
