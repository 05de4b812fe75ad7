/**
 * The registry's one error type: a stable code from the API contract and a message a person
 * can act on. The HTTP layer turns it into `{ error: { code, message } }` with the code's status.
 */
import { ERROR_STATUS, type RegistryErrorCode } from './protocol';

/** An error the registry reports to its caller. */
export class RegistryError extends Error {
  /** Creates an error with a stable code. */
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** HTTP status this error is sent with. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
