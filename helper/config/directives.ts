/**
 * Guards shared by the pure config writers: every value that reaches a configuration line must be
 * one token of a known shape, so no input can end a line, start another directive or quote
 * itself out of an argument — even if a caller above forgot to validate.
 */

/** Thrown when a writer receives a value that could not safely become a config token. */
export class ConfigValueError extends Error {
  /** Creates the error for one field. */
  constructor(field: string, value: unknown) {
    super(`unsafe value for ${field}: ${JSON.stringify(value)}`);
    this.name = 'ConfigValueError';
  }
}

const PATTERNS = {
  /** helper-chosen absolute paths: no spaces, quotes, newlines or `..` components */
  path: /^\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/,
  device: /^vfb[a-z0-9-]{1,12}$/,
  peerName: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  host: /^[A-Za-z0-9.:-]{1,253}$/,
  prefix: /^[0-9a-fA-F:.]{2,45}\/\d{1,3}$/,
} as const;

/** Returns `value` when it matches the token shape `kind`, else throws {@link ConfigValueError}. */
export function token(kind: keyof typeof PATTERNS, field: string, value: string): string {
  if (!PATTERNS[kind].test(value) || value.split('/').includes('..'))
    throw new ConfigValueError(field, value);
  return value;
}

/** Returns `value` when it is an integer in [min, max], else throws {@link ConfigValueError}. */
export function int(field: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigValueError(field, value);
  return String(value);
}

/** Returns `value` as a plain decimal when it is a finite number in [min, max]. */
export function decimal(field: string, value: number, min: number, max: number): string {
  if (!Number.isFinite(value) || value < min || value > max) throw new ConfigValueError(field, value);
  return String(Number(value.toFixed(3)));
}
