/**
 * The read-only babeld socket the allowed (unprivileged) caller may open.
 *
 * babeld 1.12 has exactly one local socket — `-g` (read-only) and `-G` (read-write) set the same
 * one, the last wins (measured: with both, only the `-G` path exists). The helper needs
 * read-write access (run-time interface and cost changes), so babeld gets a read-write socket
 * in a root-only directory and the helper serves this proxy: each client connection gets its
 * own connection to babeld; babeld's output is relayed unchanged (banner, `dump`, `monitor`
 * stream); from the client only the lines `dump`, `monitor`, `unmonitor` and `quit` are passed
 * on, anything else is answered `bad` and never reaches babeld. The socket file is 0660,
 * owned by the allowed caller's uid and group, in the helper's 0750 run directory; on top of
 * the file permissions every client's kernel credentials must pass the helper's access policy.
 */
import { chmod, chown, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { isCallerAllowed, type AccessPolicy } from '../access';
import type { Logger } from '../log';
import { peerCredentials } from '../peercred';

/** Commands a read-only client may send. */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(['dump', 'monitor', 'unmonitor', 'quit']);

/** Longest line a client may send before it is disconnected. */
const MAX_CLIENT_LINE = 256;
/** Most simultaneous clients. */
const MAX_CLIENTS = 16;

/** A running read-only proxy. */
export interface ReadOnlyProxy {
  /** Path of the socket clients connect to. */
  path: string;
  /** Stops listening and drops every client. */
  close(): Promise<void>;
}

function relay(client: Socket, upstreamPath: string): void {
  const upstream = connect(upstreamPath);
  let pending = '';
  const drop = (): void => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', drop);
  client.on('error', drop);
  upstream.on('close', drop);
  client.on('close', drop);
  upstream.pipe(client);
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => {
    pending += chunk;
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i).replace(/\r$/, '').trim();
      pending = pending.slice(i + 1);
      if (line === '') continue;
      if (READ_ONLY_COMMANDS.has(line)) upstream.write(`${line}\n`);
      else client.write('bad\n');
    }
    if (pending.length > MAX_CLIENT_LINE) drop();
  });
}

/** Relays `client` to babeld once its kernel credentials pass the helper's access policy. */
async function admit(
  client: Socket,
  upstreamPath: string,
  access: AccessPolicy,
  logger: Logger,
): Promise<void> {
  try {
    const caller = peerCredentials(client);
    if (await isCallerAllowed(caller, access)) {
      if (!client.destroyed) relay(client, upstreamPath);
      return;
    }
    logger.warn('Refused a read-only babeld client that is not allowed', { ...caller });
  } catch (err) {
    logger.warn('Refused a read-only babeld client whose credentials cannot be read', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
  client.destroy();
}

/**
 * Listens on `path` (replacing a stale socket file), relaying read-only clients to babeld's
 * control socket at `upstreamPath`, and gives the socket file to `owner` with mode 0660.
 */
export async function startReadOnlyProxy(
  path: string,
  upstreamPath: string,
  owner: { uid: number; gid: number },
  access: AccessPolicy,
  logger: Logger,
): Promise<ReadOnlyProxy> {
  await rm(path, { force: true });
  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (clients.size >= MAX_CLIENTS) {
      client.destroy();
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    void admit(client, upstreamPath, access, logger);
  });
  server.maxConnections = MAX_CLIENTS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o660);
  await chown(path, owner.uid, owner.gid);
  logger.info('babeld read-only socket ready', { path });
  return {
    path,
    async close(): Promise<void> {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}
