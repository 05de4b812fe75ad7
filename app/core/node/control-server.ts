/**
 * The node's local control socket (`<state dir>/node.sock`): JSON lines, one answer per request.
 * - `{"op":"status"}` → `{"ok":true,"status":{…}}` (read by `vifibnet status`);
 * - `{"op":"rotate","peer":"<prefix or device>"}` → `{"ok":true,"device":"vfbc-…"}`: replaces
 *   that outgoing tunnel now, through the same path as a tunnel refresh (a new tunnel to another
 *   peer, then a drain of this one once babel routes over the new one, then its close); the
 *   answer comes when the request is queued, the status counters show the progress.
 * Errors answer `{"ok":false,"error":"…"}`. The socket file is mode 0600 in the 0700 state
 * directory, so the kernel lets only the node's own user (and root) connect.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { NodeStatus } from './status';

/** Longest request line accepted. */
const MAX_REQUEST_BYTES = 1024;

/** What the control socket serves. */
export interface ControlHandlers {
  /** The node's status. */
  status: () => NodeStatus;
  /** Queues the rotation of the outgoing tunnel to a peer prefix or device; returns the device. */
  rotate: (target: string) => string;
}

/** A listening control socket. */
export class ControlServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** The socket path. */
    readonly path: string,
  ) {}

  /** Listens on `path` (replacing a stale socket file) and answers with `handlers`. */
  static async start(path: string, handlers: ControlHandlers): Promise<ControlServer> {
    await rm(path, { force: true });
    const server = createServer();
    const control = new ControlServer(server, path);
    server.on('connection', (socket) => control.serve(socket, handlers));
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

  private serve(socket: Socket, handlers: ControlHandlers): void {
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
        if (line) socket.write(`${JSON.stringify(answer(line, handlers))}\n`);
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

function answer(line: string, handlers: ControlHandlers): object {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = (typeof request === 'object' && request !== null ? request : {}) as {
    op?: unknown;
    peer?: unknown;
  };
  if (r.op === 'status') return { ok: true, status: handlers.status() };
  if (r.op === 'rotate') {
    if (typeof r.peer !== 'string' || r.peer.length === 0 || r.peer.length > 64)
      return { ok: false, error: 'rotate needs "peer": a peer prefix or a device name' };
    try {
      return { ok: true, device: handlers.rotate(r.peer) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return {
    ok: false,
    error: 'unknown request; the requests are {"op":"status"} and {"op":"rotate","peer":"…"}',
  };
}
