/**
 * Typed client of the privileged helper. Every method name, parameter and result type comes from
 * the protocol's OPERATIONS table; answers and events are validated at run time. The client keeps
 * one connection, reconnects with backoff when the helper restarts, and re-reads the state
 * snapshot on every (re)connection so the engine can reconcile.
 */
import { connect, type Socket } from 'node:net';
import {
  HelperEvent,
  MAX_MESSAGE_BYTES,
  OPERATIONS,
  ResponseEnvelope,
  type ErrorCode,
  type HelperEventT,
  type HelperSnapshotT,
  type OperationName,
  type OperationParams,
  type OperationResult,
} from '../../../helper/protocol';
import { createLogger, type Logger } from '../log';

/** Why a call failed: a helper error code, or a client-side condition. */
export type HelperCallErrorCode = ErrorCode | 'unreachable' | 'timeout' | 'bad_response';

/** A failed helper call, with a stable code. */
export class HelperCallError extends Error {
  /** Creates the error. */
  constructor(
    readonly code: HelperCallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HelperCallError';
  }
}

/** Connection state changes the client reports. */
export type HelperConnectionEvent =
  { state: 'connected'; snapshot: HelperSnapshotT } | { state: 'disconnected'; reason: string };

/** Options of {@link HelperClient.connect}. */
export interface HelperClientOptions {
  /** Logger; a `helper-client` scope by default. */
  logger?: Logger;
  /** Per-call deadline in ms (default 30 s: starting OpenVPN or babeld can take seconds). */
  requestTimeoutMs?: number;
  /** First and longest delay between reconnection attempts (default 100 ms and 5 s). */
  reconnectDelayMs?: { min: number; max: number };
}

interface Pending {
  op: OperationName;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** A live, self-reconnecting connection to the helper. */
export class HelperClient {
  private socket: Socket | null = null;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HelperEventT) => void>();
  private readonly connectionListeners = new Set<(event: HelperConnectionEvent) => void>();
  private lastSnapshot: HelperSnapshotT | null = null;
  private reconnectDelay: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private disposed = false;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly delays: { min: number; max: number };

  private constructor(
    readonly socketPath: string,
    options: HelperClientOptions,
  ) {
    this.log = options.logger ?? createLogger({ scope: 'helper-client' });
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.delays = options.reconnectDelayMs ?? { min: 100, max: 5_000 };
    this.reconnectDelay = this.delays.min;
  }

  /**
   * Connects to the helper at `socketPath`, checks the protocol version and reads the first
   * snapshot. Rejects with code `unreachable` when the helper does not answer; after that first
   * success the client reconnects by itself.
   */
  static async connect(socketPath: string, options: HelperClientOptions = {}): Promise<HelperClient> {
    const client = new HelperClient(socketPath, options);
    try {
      await client.open();
    } catch (err) {
      await client.dispose();
      throw err;
    }
    return client;
  }

  /** True while a connection to the helper is open. */
  get connected(): boolean {
    return this.socket !== null;
  }

  /** The snapshot read at the last (re)connection or by the last `status` call. */
  get snapshot(): HelperSnapshotT | null {
    return this.lastSnapshot;
  }

  /** Calls operation `op`; resolves to its validated result or rejects with a {@link HelperCallError}. */
  call<O extends OperationName>(op: O, params: OperationParams<O>): Promise<OperationResult<O>> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new HelperCallError('unreachable', 'the helper is not connected'));
    const id = this.nextId++;
    const line = JSON.stringify({ id, op, params });
    if (Buffer.byteLength(line) >= MAX_MESSAGE_BYTES) {
      return Promise.reject(
        new HelperCallError('too_large', `request ${op} exceeds ${MAX_MESSAGE_BYTES} bytes`),
      );
    }
    return new Promise<OperationResult<O>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HelperCallError('timeout', `the helper did not answer ${op} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { op, resolve: resolve as (v: unknown) => void, reject, timer });
      socket.write(`${line}\n`);
    }).then((result) => {
      if (op === 'status') this.lastSnapshot = result as HelperSnapshotT;
      return result;
    });
  }

  /** Subscribes to helper events; returns the unsubscribe function. */
  onEvent(listener: (event: HelperEventT) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Subscribes to connection changes (each reconnection carries a fresh snapshot). */
  onConnectionChange(listener: (event: HelperConnectionEvent) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Closes the connection for good and rejects calls still waiting. */
  dispose(): Promise<void> {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.eventListeners.clear();
    this.connectionListeners.clear();
    const socket = this.socket;
    this.dropConnection('the client was disposed');
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => socket.once('close', () => resolve()));
  }

  private async open(): Promise<void> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(this.socketPath);
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) =>
        reject(
          new HelperCallError('unreachable', `cannot reach the helper at ${this.socketPath}: ${err.message}`),
        ),
      );
    });
    this.socket = socket;
    this.buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug('helper socket error', { error: err.message }));
    socket.on('close', () => this.onClose());
    try {
      const hello = await this.call('hello', {});
      const snapshot = await this.call('status', {});
      if (hello.protocol !== snapshot.protocol)
        throw new HelperCallError('bad_response', 'protocol mismatch');
      this.reconnectDelay = this.delays.min;
      this.emitConnection({ state: 'connected', snapshot });
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.buffer.length > MAX_MESSAGE_BYTES) {
      this.log.warn('the helper sent an oversize line; reconnecting');
      this.socket?.destroy();
    }
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.log.warn('the helper sent a line that is not JSON');
      return;
    }
    if (typeof message === 'object' && message !== null && 'event' in message) {
      const event = HelperEvent.safeParse(message);
      if (!event.success) {
        this.log.debug('ignoring an unknown helper event');
        return;
      }
      for (const listener of this.eventListeners) listener(event.data);
      return;
    }
    const response = ResponseEnvelope.safeParse(message);
    if (!response.success) {
      this.log.warn('the helper sent a malformed response');
      return;
    }
    const { id } = response.data;
    if (id === null) {
      if (!response.data.ok)
        this.log.warn(`the helper refused the connection: ${response.data.error.message}`);
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (!response.data.ok) {
      pending.reject(new HelperCallError(response.data.error.code, response.data.error.message));
      return;
    }
    const result = OPERATIONS[pending.op].result.safeParse(response.data.result);
    if (result.success) pending.resolve(result.data);
    else pending.reject(new HelperCallError('bad_response', `malformed result for ${pending.op}`));
  }

  private onClose(): void {
    const wasConnected = this.socket !== null;
    this.dropConnection('the connection to the helper closed');
    if (this.disposed) return;
    if (wasConnected)
      this.emitConnection({ state: 'disconnected', reason: 'the helper closed the connection' });
    this.scheduleReconnect();
  }

  private dropConnection(reason: string): void {
    const socket = this.socket;
    this.socket = null;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new HelperCallError('unreachable', reason));
      this.pending.delete(id);
    }
    socket?.destroy();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.disposed) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.delays.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().catch((err: unknown) => {
        this.log.debug('reconnecting to the helper failed', {
          error: err instanceof Error ? err.message : String(err),
        });
        this.scheduleReconnect();
      });
    }, delay);
  }

  private emitConnection(event: HelperConnectionEvent): void {
    if (event.state === 'connected') this.lastSnapshot = event.snapshot;
    for (const listener of this.connectionListeners) listener(event);
  }
}
