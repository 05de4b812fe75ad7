/**
 * The node's local control socket (`<state dir>/node.sock`), read by `vifibnet status`: JSON
 * lines, one request `{"op":"status"}` answered `{"ok":true,"status":{…}}`. The socket file is
 * mode 0600 in the 0700 state directory, so the kernel lets only the node's own user (and root)
 * connect.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { NodeStatus } from './status';

/** Longest request line accepted. */
const MAX_REQUEST_BYTES = 1024;

/** A listening control socket. */
export class ControlServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** The socket path. */
    readonly path: string,
  ) {}

  /** Listens on `path` (replacing a stale socket file) and answers from `status`. */
  static async start(path: string, status: () => NodeStatus): Promise<ControlServer> {
    await rm(path, { force: true });
    const server = createServer();
    const control = new ControlServer(server, path);
    server.on('connection', (socket) => control.serve(socket, status));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
    return control;
  }

  private serve(socket: Socket, status: () => NodeStatus): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let pending = '';
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) socket.write(`${JSON.stringify(answer(line, status))}\n`);
      }
      if (pending.length > MAX_REQUEST_BYTES) socket.destroy();
    });
  }

  /** Stops listening, drops the clients and removes the socket file. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }
}

function answer(line: string, status: () => NodeStatus): object {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof request === 'object' && request !== null && (request as { op?: unknown }).op === 'status')
    return { ok: true, status: status() };
  return { ok: false, error: 'unknown request; the only one is {"op":"status"}' };
}
