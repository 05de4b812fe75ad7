/** The registry client's one error type. */
import type { RegistryErrorCode } from '../../registry/protocol';

/** Why a registry call failed: a code the registry sent, or a check the client made. */
export type RegistryClientErrorCode =
  | RegistryErrorCode
  | 'unreachable'
  | 'timeout'
  | 'bad_response'
  | 'ca_not_pinned'
  | 'ca_fingerprint_mismatch'
  | 'cert_mismatch'
  | 'config_bad_signature'
  | 'config_invalid'
  | 'config_rollback'
  | 'record_invalid'
  | 'already_enrolled';

/** A failed registry call or a refused answer, with a stable code and a message to act on. */
export class RegistryClientError extends Error {
  /** Creates the error. */
  constructor(
    readonly code: RegistryClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryClientError';
  }
}
