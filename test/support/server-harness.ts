/**
 * Starts a helper server on a fresh temp directory with recording stub handlers and a captured
 * debug logger, and tears everything down afterwards.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../helper/log';
import { startHelperServer, type HelperServer } from '../../helper/server';
import { LineClient } from './server-client';
import { createRecordingStubHandlers, type StubCall, type StubOverride } from './server-stub-handlers';
import type { OperationName } from '../../helper/protocol';

/** Options of {@link withTestServer}. */
export interface TestServerOptions {
  /** Stub behaviour per operation (slow, failing …); the others answer a fixed result. */
  overrides?: Partial<Record<OperationName, StubOverride>>;
  /** Passed to the server as is. */
  allowUids?: number[];
  /** Passed to the server as is. */
  allowGids?: number[];
  /** Passed to the server as is. */
  socketGroup?: number;
  /** chmod the temp dir 0755 so another uid can reach the socket and read scripts in it. */
  openDir?: boolean;
}

/** A running test server and what it recorded. */
export interface TestServer {
  server: HelperServer;
  dir: string;
  socketPath: string;
  /** Calls that reached the stub handlers. */
  calls: StubCall[];
  /** Every log line, debug included. */
  logs: string[];
  /** Connects a client that {@link TestServer.dispose} closes. */
  connect: () => Promise<LineClient>;
  /** Closes clients and server, removes the temp dir. */
  dispose: () => Promise<void>;
}

/** Starts a helper server with recording stub handlers in a new temp dir. */
async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vfb-helper-'));
  const logs: string[] = [];
  const clients: LineClient[] = [];
  const socketPath = join(dir, 'helper.sock');
  const { handlers, calls } = createRecordingStubHandlers(options.overrides);
  try {
    if (options.openDir) await chmod(dir, 0o755);
    const server = await startHelperServer({
      socketPath,
      allowUids: options.allowUids ?? [],
      allowGids: options.allowGids ?? [],
      socketGroup: options.socketGroup,
      handlers,
      logger: createLogger({ scope: 'helper', level: 'debug', sink: (line) => logs.push(line) }),
      version: 'test',
    });
    return {
      server,
      dir,
      socketPath,
      calls,
      logs,
      async connect() {
        const client = await LineClient.connect(socketPath);
        clients.push(client);
        return client;
      },
      async dispose() {
        for (const client of clients) client.close();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs `test` against a fresh test server and always disposes of it. */
export async function withTestServer(
  options: TestServerOptions,
  test: (ts: TestServer) => Promise<void>,
): Promise<void> {
  const ts = await startTestServer(options);
  try {
    await test(ts);
  } finally {
    await ts.dispose();
  }
}

/** Polls `condition` until it holds; throws naming `what` after `timeoutMs`. */
export async function pollUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
