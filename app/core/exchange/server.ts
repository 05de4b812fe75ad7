/**
 * The peer exchange service: answers requests (messages.ts) on the node's overlay address, so
 * only members of the mesh reach it. One request per connection; a connection that does not
 * send a full line within {@link REQUEST_TIMEOUT_MS} is dropped, and at most
 * {@link MAX_CONNECTIONS} are served at once.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { SignedEnvelopeT } from '../../registry/protocol';
import type { Logger } from '../log';
import { readLine } from './line-socket';
import {
  EXCHANGE_VERSION,
  errorLine,
  parseRequest,
  type ExchangeRequestT,
  type RecordsAnswerT,
  type TunnelPeersAnswerT,
} from './messages';

/** Deadline for a client to send its request. */
export const REQUEST_TIMEOUT_MS = 5_000;

/** Most simultaneous connections. */
export const MAX_CONNECTIONS = 64;

/** What the service answers from. */
export interface ExchangeSource {
  /** Our prefix. */
  prefix: string;
  /** Whether we are at our incoming tunnel limit. */
  full(): boolean;
  /** Up to `count` signed address records we know, our own first. */
  records(count: number): SignedEnvelopeT[];
  /** Prefixes of our current tunnel peers. */
  tunnelPeers(): string[];
}

/** The answer line to a valid request. Pure apart from `source`. */
export function answerLine(source: ExchangeSource, request: ExchangeRequestT): string {
  const base = {
    v: EXCHANGE_VERSION,
    ok: true as const,
    prefix: source.prefix,
    full: source.full(),
  } as const;
  if (request.op === 'records') {
    return JSON.stringify({
      ...base,
      op: 'records',
      records: source.records(request.count),
    } satisfies RecordsAnswerT);
  }
  return JSON.stringify({
    ...base,
    op: 'tunnel-peers',
    peers: source.tunnelPeers(),
  } satisfies TunnelPeersAnswerT);
}

/** A listening exchange service. */
export class ExchangeServer {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  /** The TCP port it listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Starts answering on `host`:`port` (0: any free port) from `source`. */
  static async start(
    host: string,
    port: number,
    source: ExchangeSource,
    logger: Logger,
  ): Promise<ExchangeServer> {
    const server = createServer();
    server.maxConnections = MAX_CONNECTIONS;
    const service = new ExchangeServer(server);
    server.on('connection', (socket) => service.serve(socket, source, logger));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return service;
  }

  private serve(socket: Socket, source: ExchangeSource, logger: Logger): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    readLine(socket).then(
      (line) => {
        const request = parseRequest(line);
        if (!request.ok)
          logger.debug('Refused an exchange request', { from: socket.remoteAddress, error: request.error });
        socket.end(`${request.ok ? answerLine(source, request.value) : errorLine(request.error)}\n`);
      },
      () => socket.destroy(),
    );
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
