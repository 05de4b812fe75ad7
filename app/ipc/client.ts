/**
 * The typed API client, independent of the transport: give it a {@link Transport} and it returns
 * an {@link Api} object derived from {@link apiSchema}. It validates every message in both
 * directions: parameters before they leave (an invalid value rejects with `invalid_params` and
 * the schema's words for the user), replies and results when they arrive (a malformed one
 * rejects with `invalid_message`), and event payloads (a malformed one is dropped and reported).
 */
import type { z } from 'zod';
import { ApiError, validationMessage } from './errors';
import { COMMANDS, EVENTS, listenerName, type Api, type ApiCommand } from './schema';
import { Reply, type Transport } from './wire';

/** A message that failed validation on arrival. */
export interface InvalidMessageReport {
  /** The channel it came on. */
  channel: string;
  /** What was malformed: the reply envelope, the command's result, or an event's payload. */
  part: 'reply' | 'result' | 'event';
  /** The validation failure. */
  issues: z.core.$ZodIssue[];
}

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Called for every malformed reply, result or event (a sign of mismatched versions or a bug). */
  onInvalidMessage?: (report: InvalidMessageReport) => void;
}

/** Builds the typed API over `transport`. */
export function createApiClient(transport: Transport, options: ApiClientOptions = {}): Api {
  const report = options.onInvalidMessage ?? (() => undefined);
  const api: Record<string, Record<string, unknown>> = {};
  const domainOf = (domain: string) => (api[domain] ??= {});

  for (const { domain, name, channel, message } of COMMANDS.values()) {
    domainOf(domain)[name] = (params: unknown) => call(transport, channel, message, params, report);
  }
  for (const { domain, name, channel, message } of EVENTS.values()) {
    domainOf(domain)[listenerName(name)] = (listener: (payload: unknown) => void) =>
      transport.subscribe(channel, (raw) => {
        const parsed = message.payload.safeParse(raw);
        if (parsed.success) listener(parsed.data);
        else report({ channel, part: 'event', issues: parsed.error.issues });
      });
  }
  return api as Api;
}

async function call(
  transport: Transport,
  channel: string,
  command: ApiCommand,
  params: unknown,
  report: (report: InvalidMessageReport) => void,
): Promise<unknown> {
  const input = command.params.safeParse(params);
  if (!input.success) throw new ApiError('invalid_params', validationMessage(input.error));

  let raw: unknown;
  try {
    raw = await transport.send(channel, input.data);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('unreachable', err instanceof Error ? err.message : String(err));
  }

  const reply = Reply.safeParse(raw);
  if (!reply.success) {
    report({ channel, part: 'reply', issues: reply.error.issues });
    throw new ApiError('invalid_message', `malformed reply on ${channel}`);
  }
  if (!reply.data.ok) throw new ApiError(reply.data.error.code, reply.data.error.message);

  const result = command.result.safeParse(reply.data.result);
  if (!result.success) {
    report({ channel, part: 'result', issues: result.error.issues });
    throw new ApiError(
      'invalid_message',
      `malformed result on ${channel}: ${validationMessage(result.error)}`,
    );
  }
  return result.data;
}
