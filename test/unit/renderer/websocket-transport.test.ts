import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiError, ClientMessage, createApiClient, type ServerMessageT } from '../../../app/ipc';
import { apiUrlFromPage } from '../../../renderer/transport/select';
import {
  createWebSocketTransport,
  type SocketEvents,
  type SocketLike,
} from '../../../renderer/transport/websocket';

/** A socket the test opens, answers and closes by hand. */
class FakeSocket implements SocketLike {
  isOpen = false;
  readonly sent: unknown[] = [];
  constructor(private readonly events: SocketEvents) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.isOpen = false;
  }
  open() {
    this.isOpen = true;
    this.events.onOpen();
  }
  receive(frame: ServerMessageT | string) {
    this.events.onMessage(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  drop() {
    this.isOpen = false;
    this.events.onClose();
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const onInvalidFrame = vi.fn();
  const transport = createWebSocketTransport({
    url: 'ws://127.0.0.1:9000/api?token=t',
    open: (_url, events) => {
      const socket = new FakeSocket(events);
      sockets.push(socket);
      return socket;
    },
    reconnectDelayMs: { min: 100, max: 400 },
    requestTimeoutMs: 1000,
    onInvalidFrame,
  });
  return { transport, sockets, onInvalidFrame, api: createApiClient(transport) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WebSocket transport', () => {
  test('derives the API address and token from the page address', () => {
    expect(apiUrlFromPage('http://127.0.0.1:8080/?token=abc#/peers')).toBe(
      'ws://127.0.0.1:8080/api?token=abc',
    );
    expect(apiUrlFromPage('http://127.0.0.1:8080/')).toBeNull();
  });

  test('queues requests until the socket opens, then matches replies by id', async () => {
    const { sockets, api } = setup();
    const pending = api.connection.connect();
    const settings = api.settings.set({ helloIntervalS: 0.5 });
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([
      { type: 'request', id: 1, channel: 'connection.connect' },
      { type: 'request', id: 2, channel: 'settings.set', payload: { helloIntervalS: 0.5 } },
    ]);
    for (const frame of sockets[0]!.sent) expect(ClientMessage.safeParse(frame).success).toBe(true);
    sockets[0]!.receive({
      type: 'reply',
      id: 2,
      reply: { ok: false, error: { code: 'busy', message: 'applying' } },
    });
    sockets[0]!.receive({ type: 'reply', id: 1, reply: { ok: true } });
    await expect(pending).resolves.toBeUndefined();
    await expect(settings).rejects.toMatchObject({ code: 'busy' });
  });

  test('delivers events, reports malformed frames, and keeps subscriptions across reconnections', async () => {
    vi.useFakeTimers();
    const { sockets, api, onInvalidFrame } = setup();
    const lines = vi.fn();
    api.logs.onLine(lines);
    sockets[0]!.open();
    const line = { at: 1, level: 'info', scope: 'core', message: 'hello' } as const;
    sockets[0]!.receive({ type: 'event', channel: 'logs.line', payload: line });
    sockets[0]!.receive('not json');
    expect(onInvalidFrame).toHaveBeenCalledWith('not json');

    const pending = api.connection.connect();
    sockets[0]!.drop();
    await expect(pending).rejects.toBeInstanceOf(ApiError);
    await expect(pending).rejects.toMatchObject({ code: 'unreachable' });

    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    sockets[1]!.receive({ type: 'event', channel: 'logs.line', payload: line });
    expect(lines).toHaveBeenCalledTimes(2);
  });

  test('a late answer times out', async () => {
    vi.useFakeTimers();
    const { sockets, api } = setup();
    sockets[0]!.open();
    const pending = api.helper.retry();
    const outcome = expect(pending).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(1000);
    await outcome;
  });
});
