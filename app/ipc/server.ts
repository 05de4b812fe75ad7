/**
 * The engine's side of the API, independent of the transport: a dispatcher that turns a raw
 * `(channel, payload)` into a {@link ReplyT} by validating the parameters, calling the typed
 * handler and validating its result; and a notifier that validates every event before it is
 * emitted. The Electron main process and the WebSocket server both wrap these.
 */
import { ApiError, validationMessage } from './errors';
import { COMMANDS, EVENTS, type Handlers, type Notifier } from './schema';
import type { ReplyT } from './wire';

/** Answers one raw command. Never rejects: every failure is a typed error reply. */
export type Dispatch = (channel: string, payload: unknown) => Promise<ReplyT>;

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** Told about every failure that is not an {@link ApiError} (a bug: log it). */
  onUnexpectedError?: (channel: string, error: unknown) => void;
}

/** Builds the dispatcher over the engine's handlers. */
export function createDispatcher(handlers: Handlers, options: DispatcherOptions = {}): Dispatch {
  const table = handlers as unknown as Record<string, Record<string, (params: unknown) => Promise<unknown>>>;
  return async (channel, payload) => {
    const entry = COMMANDS.get(channel);
    if (!entry) return fail(new ApiError('unknown_channel', `no command ${channel}`));
    const params = entry.message.params.safeParse(payload);
    if (!params.success) return fail(new ApiError('invalid_params', validationMessage(params.error)));
    try {
      const value = await table[entry.domain]![entry.name]!(params.data);
      const result = entry.message.result.safeParse(value);
      if (result.success) return { ok: true, result: result.data };
      options.onUnexpectedError?.(channel, result.error);
      return fail(new ApiError('internal', `the handler of ${channel} returned a malformed result`));
    } catch (err) {
      if (err instanceof ApiError) return fail(err);
      options.onUnexpectedError?.(channel, err);
      return fail(new ApiError('internal', err instanceof Error ? err.message : String(err)));
    }
  };
}

function fail(error: ApiError): ReplyT {
  return { ok: false, error: error.toShape() };
}

/**
 * Builds the typed notifier over a raw `emit`. An invalid payload throws: the engine is about to
 * send something the UI would drop, which is a bug to catch where it happens.
 */
export function createNotifier(emit: (channel: string, payload: unknown) => void): Notifier {
  const notifier: Record<string, Record<string, (payload: unknown) => void>> = {};
  for (const { domain, name, channel, message } of EVENTS.values()) {
    (notifier[domain] ??= {})[name] = (payload) => emit(channel, message.payload.parse(payload));
  }
  return notifier as unknown as Notifier;
}
