/**
 * How API messages travel. Two transports carry the same messages:
 *
 * - **Electron IPC** (desktop): the preload exposes a {@link Transport} as `window[BRIDGE_KEY]`;
 *   a command is `ipcRenderer.invoke(channel, params)` answered with a {@link Reply}; an event is
 *   sent on its own channel with the payload as the only argument.
 * - **WebSocket** (headless web UI): `ws://127.0.0.1:<port>` + {@link WEB_API_PATH} +
 *   `?token=<token>`, one JSON text frame per message:
 *     client → server {@link ClientMessage} `{"type":"request","id":1,"channel":"connection.connect"}`
 *     server → client {@link ServerMessage} `{"type":"reply","id":1,"reply":{"ok":true}}` or
 *                     `{"type":"event","channel":"peers.changed","payload":[…]}`.
 *   The server sends a `state.changed` event as the first frame of every connection, so a UI
 *   that reconnects is hydrated again without asking.
 *
 * A reply never carries an exception: errors are `{ ok: false, error: { code, message } }`.
 */
import { z } from 'zod';
import { ApiErrorShape } from './errors';

/** Name of the global the Electron preload exposes the transport under (`window.vifibnet`). */
export const BRIDGE_KEY = 'vifibnet';

/** Path of the WebSocket API on the headless UI server. */
export const WEB_API_PATH = '/api';

/** Query parameter carrying the access token, both in the page URL and in the WebSocket URL. */
export const WEB_TOKEN_PARAM = 'token';

/** Largest frame either side accepts, in bytes. */
export const MAX_WIRE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The answer to a command: its result, or a typed error. */
export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown().optional() }),
  z.object({ ok: z.literal(false), error: ApiErrorShape }),
]);

/** @see Reply */
export type ReplyT = z.infer<typeof Reply>;

/** Correlates a request with its reply within one connection. */
const RequestId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A frame the UI sends over the WebSocket. */
export const ClientMessage = z.object({
  type: z.literal('request'),
  id: RequestId,
  channel: z.string().max(100),
  payload: z.unknown().optional(),
});

/** A frame the server sends over the WebSocket. */
export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reply'), id: RequestId, reply: Reply }),
  z.object({ type: z.literal('event'), channel: z.string().max(100), payload: z.unknown().optional() }),
]);

/** @see ClientMessage */
export type ClientMessageT = z.infer<typeof ClientMessage>;
/** @see ServerMessage */
export type ServerMessageT = z.infer<typeof ServerMessage>;

/**
 * What carries API messages, whatever the medium. Nothing here is typed by message: the client
 * built on top ({@link createApiClient}) validates every message in both directions.
 */
export interface Transport {
  /** Sends a command and resolves with the raw reply (a {@link Reply} when the other side is sound). */
  send(channel: string, payload: unknown): Promise<unknown>;
  /** Calls `listener` with the raw payload of every event on `channel`; returns the unsubscriber. */
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}
