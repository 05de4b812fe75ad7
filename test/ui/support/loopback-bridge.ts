/**
 * Opens a page served on 127.0.0.1 inside a test namespace to the browser, which runs outside
 * it: this process listens on 127.0.0.1:PORT here and relays each connection through a Unix
 * socket to an agent in the namespace (loopback-relay-agent.ts), which connects to
 * 127.0.0.1:PORT there. The port is the same on both sides, so the page's origin is the one the
 * UI server expects (it checks the WebSocket's Origin); the port is picked free here, and the
 * namespace (made by the test) has nothing else listening. Servers in the namespace may come and
 * go on that port: the bridge only connects when the browser does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Netns } from '../../../app/cli/demo/netns';
import type { ManagedProcess } from '../../../app/cli/demo/processes';
import { startAgent } from './ns-agent';

const AGENT = join(import.meta.dirname, 'loopback-relay-agent.ts');

/** Listens on 127.0.0.1:0 and resolves with the server and the port it got. */
function listenAnywhere(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no TCP port'));
      resolve({ server, port: address.port });
    });
  });
}

/** A port of 127.0.0.1 in a namespace, reachable on the same port here. */
export class LoopbackBridge {
  private constructor(
    /** The port, on both sides. */
    readonly port: number,
    private readonly server: Server,
    private readonly agent: ManagedProcess,
    private readonly sockets: Set<Socket>,
  ) {}

  /** Opens the bridge into `ns`, with its Unix socket in `dir`. */
  static async open(ns: Netns, dir: string): Promise<LoopbackBridge> {
    const socketPath = join(dir, 'loopback-bridge.sock');
    const sockets = new Set<Socket>();
    const { server, port } = await listenAnywhere((client) => {
      const upstream = connect(socketPath);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => {
          sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    try {
      const agent = await startAgent(ns, `loopback bridge ${ns.name}`, AGENT, [socketPath, String(port)]);
      return new LoopbackBridge(port, server, agent, sockets);
    } catch (err) {
      server.close();
      throw err;
    }
  }

  /** Closes every relayed connection, the listener and the agent. */
  async dispose(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.agent.stop(2_000);
  }
}
