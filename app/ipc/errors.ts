/**
 * Typed errors of the vifibnet API. A handler never lets an exception cross a process boundary:
 * it answers `{ ok: false, error: { code, message } }` (see wire.ts), and the client turns that
 * back into an {@link ApiError}. {@link describeError} is the one place that maps a code to the
 * words a user reads.
 */
import { z } from 'zod';

/** Stable error codes of the API. */
export const API_ERROR_CODES = [
  'invalid_params',
  'invalid_message',
  'unknown_channel',
  'unreachable',
  'timeout',
  'helper_unreachable',
  'not_enrolled',
  'already_enrolled',
  'busy',
  'registry_unreachable',
  'registry_error',
  'token_unknown',
  'token_used',
  'token_expired',
  'token_revoked',
  'fingerprint_mismatch',
  'helper_start_refused',
  'internal',
] as const;

/** One of {@link API_ERROR_CODES}. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The plain-data form of an error, as it travels in a reply. */
export const ApiErrorShape = z.object({
  code: z.enum(API_ERROR_CODES),
  message: z.string().max(2000),
});

/** @see ApiErrorShape */
export type ApiErrorShapeT = z.infer<typeof ApiErrorShape>;

/** An API call that failed with a stable {@link ApiErrorCode}. */
export class ApiError extends Error {
  /** Creates the error; `message` is the detail (for `invalid_params`, words for the user). */
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The plain-data form sent in a reply. */
  toShape(): ApiErrorShapeT {
    return { code: this.code, message: this.message };
  }
}

/** The command that starts the privileged helper for the current user. */
export const HELPER_START_COMMAND = 'sudo npx vifibnet helper --allow-uid $(id -u)';

/**
 * What each code means to the user, and what to do about it. `null` means the error's own
 * message is already that text (validation messages come from the schema's bounds).
 */
const ERROR_TEXT: Record<ApiErrorCode, string | null> = {
  invalid_params: null,
  invalid_message:
    'The app and the vifibnet node do not understand each other (different versions?). Update both to the same version.',
  unknown_channel:
    'The vifibnet node does not know this request (different versions?). Update both to the same version.',
  unreachable: 'The app cannot reach the vifibnet node. It keeps trying; if this lasts, restart vifibnet.',
  timeout: 'The vifibnet node did not answer in time. Try again; if this lasts, look at the Logs.',
  helper_unreachable: `The vifibnet helper is not running, so the mesh cannot be changed. Start it with: ${HELPER_START_COMMAND}`,
  not_enrolled: 'This computer has not joined a network yet. Join one with an invitation first.',
  already_enrolled: 'This computer is already a member of a network.',
  busy: 'Another change is still in progress. Wait a moment and try again.',
  registry_unreachable:
    'The registry could not be reached. Check the registry address and your internet connection, then try again.',
  registry_error: 'The registry refused the request. Try again later, or contact the network administrator.',
  token_unknown:
    'The registry does not know this token. Check that you copied all of it, or ask the administrator for a new invitation.',
  token_used:
    'This token has already been used to join. Each token works once: ask the administrator for a new invitation.',
  token_expired: 'This token has expired. Ask the administrator for a new invitation.',
  token_revoked: 'The administrator withdrew this token. Ask them for a new invitation.',
  fingerprint_mismatch:
    "The registry's certificate authority does not match the fingerprint you were given. Do not continue: the invitation may be for another network, or someone may be intercepting the connection. Check the fingerprint with the administrator.",
  helper_start_refused: `The helper cannot be started from here. Start it in a terminal with: ${HELPER_START_COMMAND}`,
  internal: 'Something went wrong inside the vifibnet node. The Logs view has the details.',
};

/** The words to show a user for an error: what happened and what to do. */
export function describeError(error: ApiErrorShapeT): string {
  return ERROR_TEXT[error.code] ?? error.message;
}

/** The messages of a validation failure, joined into one sentence list a user can act on. */
export function validationMessage(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.message))].join(' ');
}
