/**
 * The headless UI server over a real socket on 127.0.0.1 with a real `ws` client. The engine
 * host is the real one (createEngineHostFor) over `fakeEngine`, a fake running node: the real
 * engine needs root, the helper and network namespaces (the Chromium UI tests against a real
 * mesh come separately).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { pollUntil } from '../../app/cli/demo/netns';
import WebSocket from 'ws';
import { createLogger } from '../../app/core/log';
import { createEngineHostFor } from '../../app/core/node/engine-host';
import { LogRing } from '../../app/core/node/log-ring';
import { startUiServer, type UiServer } from '../../app/core/ui-server/server';
import {
  HELPER_START_COMMAND,
  MAX_WIRE_MESSAGE_BYTES,
  WEB_API_PATH,
  type ServerMessageT,
} from '../../app/ipc';
import type { EngineHost } from '../../app/main/engine-host';
import { fakeRunningNode } from '../support/fake-running-node';

/** The fake running node: one tunnel up, an empty babel table. */
function fakeEngine() {
  return fakeRunningNode({
    withBabelTable: true,
    registryReachable: true,
    tunnels: [
      {
        peer: 'fd00000100020002-64',
        prefix: 'fd00:1:2:2::/64',
        direction: 'outgoing',
        device: 'vfb00',
        slot: 'explorer',
        state: 'up',
        routes: 3,
        rttMs: 12.5,
        since: Date.now(),
      },
    ],
  });
}

let dir: string;
let engine: ReturnType<typeof fakeEngine>;
const launch = vi.fn(() => Promise.resolve(fakeEngine()));
let host: EngineHost;
const quiet = createLogger({ scope: 'test', sink: () => undefined });
let server: UiServer;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vifibnet-ui-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>vifibnet</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  const logs = new LogRing();
  const logger = createLogger({ scope: 'test', sink: logs.sink });
  engine = fakeEngine();
  host = await createEngineHostFor(engine, { stateDir: dir, logs, logger, launch });
  server = await startUiServer({ api: host, rendererDir: renderer, port: 0, logger });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.dispose();
  await host.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a WebSocket; resolves with the socket once open, or with the HTTP status it was refused with. */
function connect(
  token: string | null,
  wsOrigin: string | undefined,
  port = server.port,
): Promise<{ ws?: WebSocket; status?: number; frames: ServerMessageT[] }> {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}${WEB_API_PATH}${query}`,
    wsOrigin ? { origin: wsOrigin } : {},
  );
  const frames: ServerMessageT[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as ServerMessageT));
  return new Promise((resolve) => {
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('unexpected-response', (_request, response) => resolve({ status: response.statusCode, frames }));
    ws.on('error', () => undefined);
  });
}

/** Waits up to 2 s for `read` to return a value. */
const until = <T>(read: () => T | undefined): Promise<T> =>
  pollUntil('a frame from the UI server', read, { timeoutMs: 2_000, intervalMs: 10 });

function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server.port, path }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('UI server', () => {
  test('prints a URL carrying a 256-bit token', () => {
    expect(server.url).toBe(`${origin}/?token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
  });

  test('refuses an upgrade without the token, with a wrong token, or from a foreign origin', async () => {
    expect((await connect(null, origin)).status).toBe(401);
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    expect((await connect(wrong, origin)).status).toBe(401);
    expect((await connect('short', origin)).status).toBe(401);
    expect((await connect(server.token, 'http://evil.example')).status).toBe(403);
    expect((await connect(server.token, `http://127.0.0.1:${server.port + 1}`)).status).toBe(403);
    expect((await connect(server.token, undefined)).status).toBe(403);
  });

  test('sends state.changed first, answers commands and types errors', async () => {
    const { ws, frames } = await connect(server.token, `http://localhost:${server.port}`);
    const first = await until(() => frames[0]);
    expect(first).toMatchObject({ type: 'event', channel: 'state.changed' });
    expect(
      first.type === 'event' && (first.payload as { connection: { state: string } }).connection.state,
    ).toBe('connected');
    const reply = (id: number) => until(() => frames.find((f) => f.type === 'reply' && f.id === id));

    ws!.send(JSON.stringify({ type: 'request', id: 1, channel: 'peers.list' }));
    expect(await reply(1)).toMatchObject({
      reply: {
        ok: true,
        result: [{ name: 'fd00000100020002-64', state: 'connected', rttMs: 12.5, routes: 3 }],
      },
    });

    ws!.send(
      JSON.stringify({ type: 'request', id: 2, channel: 'settings.set', payload: { helloIntervalS: 0.5 } }),
    );
    expect(await reply(2)).toMatchObject({ reply: { ok: true, result: { helloIntervalS: 0.5 } } });

    expect(engine.configureBabel).toHaveBeenCalledWith({ helloInterval: 0.5, wireless: false });
    expect(engine.configureTunnels).not.toHaveBeenCalled();
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ helloIntervalS: 0.5 });
    await until(() =>
      frames.find(
        (f) =>
          f.type === 'event' &&
          f.channel === 'state.changed' &&
          (f.payload as { settings: { helloIntervalS: number } }).settings.helloIntervalS === 0.5,
      ),
    );

    await until(() =>
      frames.find(
        (f) =>
          f.type === 'event' &&
          f.channel === 'logs.line' &&
          (f.payload as { message: string }).message.startsWith('Settings changed'),
      ),
    );

    ws!.send(
      JSON.stringify({ type: 'request', id: 3, channel: 'settings.set', payload: { helloIntervalS: 0.001 } }),
    );
    expect(await reply(3)).toMatchObject({ reply: { ok: false, error: { code: 'invalid_params' } } });

    ws!.send(JSON.stringify({ type: 'request', id: 4, channel: 7 }));
    expect(await reply(4)).toMatchObject({ reply: { ok: false, error: { code: 'invalid_message' } } });

    ws!.send(JSON.stringify({ type: 'request', id: 5, channel: 'nope.nothing' }));
    expect(await reply(5)).toMatchObject({ reply: { ok: false, error: { code: 'unknown_channel' } } });

    ws!.send(
      JSON.stringify({ type: 'request', id: 6, channel: 'recovery.distribution', payload: { from: 0 } }),
    );
    expect(await reply(6)).toMatchObject({ reply: { ok: true, result: { recovered: 0, medianMs: null } } });

    const closed = new Promise<number>((resolve) => ws!.on('close', (code) => resolve(code)));
    ws!.send('not json');
    expect(await closed).toBe(1008);
  });

  test('a page never starts the helper: helper.start is refused with the command to run by hand', async () => {
    const { ws, frames } = await connect(server.token, origin);
    const first = await until(() => frames[0]);
    expect(
      first.type === 'event' && (first.payload as { helper: { canStart: boolean } }).helper.canStart,
    ).toBe(false);
    ws!.send(JSON.stringify({ type: 'request', id: 1, channel: 'helper.start' }));
    const reply = await until(() => frames.find((f) => f.type === 'reply' && f.id === 1));
    expect(reply).toMatchObject({ reply: { ok: false, error: { code: 'helper_start_refused' } } });
    expect(reply.type === 'reply' && !reply.reply.ok && reply.reply.error.message).toContain(
      `Start it in a terminal with: ${HELPER_START_COMMAND}`,
    );
    ws!.close();
  });

  test('the server refuses helper.start even over a host that could start the helper', async () => {
    const start = vi.fn(() => Promise.resolve());
    const api = { ...host, handlers: { ...host.handlers, helper: { ...host.handlers.helper, start } } };
    const other = await startUiServer({ api, rendererDir: join(dir, 'renderer'), port: 0, logger: quiet });
    try {
      const { ws, frames } = await connect(other.token, `http://127.0.0.1:${other.port}`, other.port);
      ws!.send(JSON.stringify({ type: 'request', id: 1, channel: 'helper.start' }));
      const reply = await until(() => frames.find((f) => f.type === 'reply' && f.id === 1));
      expect(reply).toMatchObject({ reply: { ok: false, error: { code: 'helper_start_refused' } } });
      expect(start).not.toHaveBeenCalled();
      ws!.close();
    } finally {
      await other.dispose();
    }
  });

  test('disconnect stops the node, connect needs an enrolled state directory', async () => {
    const { ws, frames } = await connect(server.token, origin);
    ws!.send(JSON.stringify({ type: 'request', id: 1, channel: 'connection.disconnect' }));
    await until(() => frames.find((f) => f.type === 'reply' && f.id === 1));
    expect(engine.stop).toHaveBeenCalledOnce();
    await until(() =>
      frames.find(
        (f) =>
          f.type === 'event' &&
          f.channel === 'state.changed' &&
          (f.payload as { connection: { state: string } }).connection.state === 'disconnected',
      ),
    );
    ws!.send(JSON.stringify({ type: 'request', id: 2, channel: 'connection.connect' }));
    const reply = await until(() => frames.find((f) => f.type === 'reply' && f.id === 2));
    expect(reply).toMatchObject({ reply: { ok: false, error: { code: 'not_enrolled' } } });
    expect(launch).not.toHaveBeenCalled();
    ws!.close();
  });

  test('closes a connection that sends a frame larger than the bound', async () => {
    const { ws } = await connect(server.token, origin);
    const closed = new Promise<number>((resolve) => ws!.on('close', (code) => resolve(code)));
    ws!.send('x'.repeat(MAX_WIRE_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
  });

  test('serves the renderer with the CSP, and nothing outside it', async () => {
    const index = await get('/?token=x');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>vifibnet</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).not.toBe(200);
      expect(answer.body, path).not.toContain('secret');
    }
    expect((await get('/missing.js')).status).toBe(404);
  });
});
