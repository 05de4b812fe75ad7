/**
 * Client of babeld's read-only local socket (the path the helper reports as `babelSocket`).
 * It connects, takes a `dump` snapshot, subscribes with `monitor`, and keeps a
 * {@link RoutingTable} current. When babeld restarts (the socket closes or refuses), it
 * reconnects with exponential backoff and resets the table from the new snapshot; meanwhile the
 * table keeps its last known state and {@link BabelLocalClient.connected} is false.
 *
 * babeld serves at most a handful of local clients at once (MAX_LOCAL_SOCKETS, 4 in 1.12):
 * share one client per babeld.
 */
import { connect, type Socket } from 'node:net';
import { createLogger, type Logger } from '../log';
import { Emitter, type Disposable, type Event } from './emitter';
import { LocalSession, type BabelBanner, type SessionOutput } from './local-session';
import { RoutingTable } from './routing-table';

/** Longest line accepted from babeld; its own lines are under 512 bytes. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Options of {@link BabelLocalClient}. */
export interface BabelLocalClientOptions {
  /** Logger; a `babel` scope by default. */
  logger?: Logger;
  /** First and longest delay between reconnection attempts (default 100 ms and 2 s). */
  reconnectDelayMs?: { min: number; max: number };
  /** Deadline from connection to an acknowledged `monitor` (default 5 s). */
  handshakeTimeoutMs?: number;
}

/** Why the client lost babeld. */
export interface BabelDisconnect {
  /** Human-readable cause (socket error, protocol failure, close). */
  reason: string;
}

/** A self-reconnecting, read-only monitor of one babeld. */
export class BabelLocalClient implements Disposable {
  /** The model of babeld's state, kept current while connected. */
  readonly table = new RoutingTable();

  private readonly connectedEmitter = new Emitter<BabelBanner>();
  private readonly disconnectedEmitter = new Emitter<BabelDisconnect>();
  /** Fires each time a connection reaches the monitoring state (after the table was reset). */
  readonly onDidConnect: Event<BabelBanner> = this.connectedEmitter.event;
  /** Fires when a monitoring connection is lost. */
  readonly onDidDisconnect: Event<BabelDisconnect> = this.disconnectedEmitter.event;

  private readonly log: Logger;
  private readonly delays: { min: number; max: number };
  private readonly handshakeTimeoutMs: number;
  private reconnectDelay: number;
  private socket: Socket | null = null;
  private session: LocalSession | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private currentBanner: BabelBanner | null = null;
  private disposed = false;

  /** Creates the client and starts connecting to `socketPath`. */
  constructor(
    readonly socketPath: string,
    options: BabelLocalClientOptions = {},
  ) {
    this.log = options.logger ?? createLogger({ scope: 'babel' });
    this.delays = options.reconnectDelayMs ?? { min: 100, max: 2_000 };
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000;
    this.reconnectDelay = this.delays.min;
    this.connect();
  }

  /** True while a connection is monitoring babeld. */
  get connected(): boolean {
    return this.session?.monitoring ?? false;
  }

  /** The banner of the current or last connection. */
  get banner(): BabelBanner | null {
    return this.currentBanner;
  }

  /** Closes the socket, stops reconnecting and drops all listeners. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.socket = null;
    this.session = null;
    this.table.dispose();
    this.connectedEmitter.dispose();
    this.disconnectedEmitter.dispose();
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.disposed) return;
    const socket = connect(this.socketPath);
    const session = new LocalSession();
    this.socket = socket;
    this.session = session;
    let failure = 'connection closed';
    let settle: ((error?: Error) => void) | null = null;
    let buffer = '';

    const close = (reason: string): void => {
      failure = reason;
      socket.destroy();
    };
    const handle = (output: SessionOutput): void => {
      switch (output.type) {
        case 'send':
          socket.write(`${output.command}\n`);
          break;
        case 'snapshot':
          this.table.reset(output.updates);
          break;
        case 'monitoring':
          this.reconnectDelay = this.delays.min;
          this.currentBanner = output.banner;
          settle?.();
          this.connectedEmitter.fire(output.banner);
          break;
        case 'update':
          this.table.apply(output.update);
          break;
        case 'malformed':
          this.log.warn('Unparsable babeld line', { error: output.error.message });
          break;
        case 'failed':
          close(output.reason);
          break;
      }
    };

    socket.setEncoding('utf8');
    socket.on('connect', () => {
      const handshake = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => close('babeld did not answer in time'), this.handshakeTimeoutMs);
        settle = (error) => {
          clearTimeout(timer);
          settle = null;
          if (error) reject(error);
          else resolve();
        };
      });
      this.log
        .step('Reading babeld state', () => handshake, { socket: this.socketPath })
        .catch(() => undefined);
    });
    socket.on('data', (chunk: string) => {
      const lines = (buffer + chunk).split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (socket.destroyed) return;
        for (const output of session.receive(line)) handle(output);
      }
      if (buffer.length > MAX_LINE_BYTES) close('line from babeld too long');
    });
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('close', () => {
      const wasMonitoring = session.monitoring;
      settle?.(new Error(failure));
      if (this.disposed || this.socket !== socket) return;
      this.socket = null;
      this.session = null;
      if (wasMonitoring) {
        this.log.info('Lost babeld; reconnecting', { reason: failure });
        this.disconnectedEmitter.fire({ reason: failure });
      } else {
        this.log.debug('Cannot reach babeld; retrying', { reason: failure, inMs: this.reconnectDelay });
      }
      this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.delays.max);
    });
  }
}
