/**
 * The API transport of the headless web UI: one WebSocket to the node's UI server, carrying the
 * frames defined in app/ipc/wire.ts. It reconnects with backoff while the page is open, keeps
 * event subscriptions across reconnections, and fails pending commands with typed errors when the
 * connection drops or an answer is late.
 */
import { ApiError, ClientMessage, ServerMessage, type ClientMessageT, type Transport } from '../../app/ipc';

/** A socket as the transport sees it. */
export interface SocketLike {
  /** True while frames can be sent. */
  readonly isOpen: boolean;
  send(data: string): void;
  close(): void;
}

/** What a socket reports to the transport. */
export interface SocketEvents {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(): void;
}

/** Opens a socket to `url` that reports to `events`. */
export type OpenSocket = (url: string, events: SocketEvents) => SocketLike;

/** {@link OpenSocket} over the browser's WebSocket. */
export const openBrowserSocket: OpenSocket = (url, events) => {
  const ws = new WebSocket(url);
  ws.onopen = () => events.onOpen();
  ws.onmessage = (event) => events.onMessage(event.data);
  ws.onclose = () => events.onClose();
  return {
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    send: (data) => ws.send(data),
    close: () => ws.close(),
  };
};

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** `ws://127.0.0.1:<port>/api?token=…` (see apiUrlFromPage). */
  url: string;
  /** Opens a socket; {@link openBrowserSocket} by default. */
  open?: OpenSocket;
  /** Deadline of one command, in ms (default 30 s). */
  requestTimeoutMs?: number;
  /** Shortest and longest delay between reconnection attempts, in ms (default 250 ms and 5 s). */
  reconnectDelayMs?: { min: number; max: number };
  /** Told about every frame that is not a valid {@link ServerMessage}; such frames are dropped. */
  onInvalidFrame?: (data: unknown) => void;
}

/** A {@link Transport} that owns a socket and releases it in {@link WebSocketTransport.dispose}. */
export interface WebSocketTransport extends Transport {
  /** Closes the socket, fails pending commands and stops reconnecting. */
  dispose(): void;
}

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (error: ApiError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Opens the transport; the socket connects at once and reconnects until disposed. */
export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const open = options.open ?? openBrowserSocket;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const delays = options.reconnectDelayMs ?? { min: 250, max: 5_000 };
  const pending = new Map<number, Pending>();
  const outbox: ClientMessageT[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let delay = delays.min;
  let disposed = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  const events: SocketEvents = {
    onOpen() {
      delay = delays.min;
      for (const message of outbox.splice(0)) socket.send(JSON.stringify(message));
    },
    onMessage: receive,
    onClose() {
      failAll('the connection to the vifibnet node closed');
      if (disposed) return;
      reconnectTimer = setTimeout(() => (socket = open(options.url, events)), delay);
      delay = Math.min(delay * 2, delays.max);
    },
  };
  let socket = open(options.url, events);

  function receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = typeof data === 'string' ? JSON.parse(data) : undefined;
    } catch {
      frame = undefined;
    }
    const message = ServerMessage.safeParse(frame);
    if (!message.success) return options.onInvalidFrame?.(data);
    if (message.data.type === 'event') {
      for (const listener of listeners.get(message.data.channel) ?? []) listener(message.data.payload);
      return;
    }
    const waiting = pending.get(message.data.id);
    if (!waiting) return;
    pending.delete(message.data.id);
    clearTimeout(waiting.timer);
    waiting.resolve(message.data.reply);
  }

  function failAll(reason: string): void {
    outbox.length = 0;
    for (const [id, waiting] of pending) {
      pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new ApiError('unreachable', reason));
    }
  }

  return {
    send(channel, payload) {
      if (disposed) return Promise.reject(new ApiError('unreachable', 'the transport was closed'));
      const message = ClientMessage.parse({ type: 'request', id: nextId++, channel, payload });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(message.id);
          reject(new ApiError('timeout', `no answer to ${channel} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(message.id, { resolve, reject, timer });
        if (socket.isOpen) socket.send(JSON.stringify(message));
        else outbox.push(message);
      });
    },
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set.add(listener));
      return () => {
        set.delete(listener);
      };
    },
    dispose() {
      disposed = true;
      clearTimeout(reconnectTimer);
      failAll('the transport was closed');
      socket.close();
    },
  };
}
