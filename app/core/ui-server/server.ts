/**
 * The headless UI server of `vifibnet node run --ui`: the built renderer and the API over a
 * WebSocket ({@link WEB_API_PATH}), on 127.0.0.1 only. A random 256-bit token, made at start,
 * must come with every WebSocket upgrade (`?token=`, compared in constant time), and the upgrade's
 * `Origin` must be this server's own (`http://127.0.0.1:PORT` or `http://localhost:PORT`), so
 * neither another local user's program without the token nor a web page on another origin can
 * drive the node. Refusals are plain HTTP answers (401, 403) before any upgrade.
 *
 * Each connection first gets a `state.changed` event with the current snapshot, then every event;
 * each request goes through the API's dispatcher (validated both ways), except `helper.start`,
 * which this server always refuses (a web page never triggers privilege escalation). Frames are
 * bounded by {@link MAX_WIRE_MESSAGE_BYTES}.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ApiError,
  ClientMessage,
  createDispatcher,
  createNotifier,
  MAX_WIRE_MESSAGE_BYTES,
  WEB_API_PATH,
  WEB_TOKEN_PARAM,
  type Handlers,
  type ServerMessageT,
} from '../../ipc';
import type { EngineHost } from '../../main/engine-host';
import type { Logger } from '../log';
import { refuseHelperStart } from '../node/helper-start';
import { serveStatic } from './static-files';

/** The only address the server listens on. */
export const UI_HOST = '127.0.0.1';

/** What the server serves the API of. */
export type UiApi = Pick<EngineHost, 'handlers' | 'onEvent' | 'snapshot'>;

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  /** The engine. */
  api: UiApi;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** TCP port; 0 for any free port. */
  port: number;
  /** Logger. */
  logger: Logger;
}

/** A running UI server. */
export interface UiServer {
  /** The port it listens on. */
  readonly port: number;
  /** The access token. */
  readonly token: string;
  /** The page address with the token: what the user opens. */
  readonly url: string;
  /** Closes every connection and the server. */
  dispose(): Promise<void>;
}

/** True when `given` is `token`, in time independent of where they differ. */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function refuse(socket: Duplex, status: 401 | 403 | 404, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The request id of a frame that is not a valid request, when it carries a usable one. */
function idOf(frame: unknown): number | null {
  const id = (frame as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 ? id : null;
}

/** Starts the server; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { api, logger } = options;
  const token = randomBytes(32).toString('base64url');
  // whatever host it serves, a page of this server never starts the privileged helper
  const handlers: Handlers = {
    ...api.handlers,
    helper: { ...api.handlers.helper, start: refuseHelperStart },
  };
  const dispatch = createDispatcher(handlers, {
    onUnexpectedError: (channel, error) =>
      logger.error('API handler failed', { channel, error: String(error) }),
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  let port = 0;
  const http = createServer((request, response) => {
    serveStatic(options.rendererDir, port, request, response).catch((error: unknown) => {
      logger.error('Static file failed', { error: String(error) });
      response.destroy();
    });
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', `http://${UI_HOST}`);
    if (url.pathname !== WEB_API_PATH) return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(url.searchParams.get(WEB_TOKEN_PARAM), token))
      return refuse(socket, 401, 'Unauthorized');
    const allowed = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    if (!allowed.includes(request.headers.origin ?? '')) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws));
  });

  function serveConnection(ws: WebSocket): void {
    const send = (message: ServerMessageT): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const notifier = createNotifier((channel, payload) => send({ type: 'event', channel, payload }));
    notifier.state.changed(api.snapshot());
    const unsubscribe = api.onEvent(notifier);
    ws.on('close', unsubscribe);
    ws.on('error', (error) => logger.warn('UI connection failed', { error: error.message }));
    ws.on('message', (data, isBinary) => {
      let frame: unknown;
      try {
        frame = isBinary || !Buffer.isBuffer(data) ? undefined : JSON.parse(data.toString('utf8'));
      } catch {
        frame = undefined;
      }
      const message = ClientMessage.safeParse(frame);
      if (!message.success) {
        const id = idOf(frame);
        if (id === null) return ws.close(1008, 'invalid message');
        const error = new ApiError('invalid_message', 'not a request frame').toShape();
        return send({ type: 'reply', id, reply: { ok: false, error } });
      }
      const { id, channel, payload } = message.data;
      void dispatch(channel, payload).then((reply) => send({ type: 'reply', id, reply }));
    });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, UI_HOST, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    port,
    token,
    url: `http://${UI_HOST}:${port}/?${WEB_TOKEN_PARAM}=${token}`,
    async dispose() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
