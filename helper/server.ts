/**
 * The helper's socket server, the product's security boundary: it listens on a Unix socket,
 * serves only callers the kernel vouches for (SO_PEERCRED), frames newline-delimited JSON,
 * validates every request against the allow-list in protocol.ts, and only then calls a handler.
 * Mutating operations run one at a time across all connections, so handler state never races.
 */
import { chmod, chown, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import type { z } from 'zod';
import { LineFramer } from './framing';
import type { Caller, EventSink, OperationHandlers } from './handlers';
import type { Logger } from './log';
import { isCallerAllowed, refusalMessage, type AccessPolicy } from './access';
import { peerCredentials } from './peercred';
import {
  HelperError,
  MAX_MESSAGE_BYTES,
  OPERATIONS,
  RequestEnvelope,
  type ErrorCode,
  type OperationName,
} from './protocol';

/** Most connections open at once; a further one gets one error line and is closed. */
export const MAX_CONNECTIONS = 64;

/** Most requests of one connection that may await their answer; more are refused. */
export const MAX_PENDING_PER_CONNECTION = 64;

/** Unsent output a connection may accumulate before it is dropped as not reading. */
export const MAX_WRITE_BUFFER_BYTES = 1024 * 1024;

/** Read-only operations: they run at once instead of waiting in the mutation queue. */
const IMMEDIATE_OPS: ReadonlySet<OperationName> = new Set<OperationName>(['hello', 'status']);

/** Longest error message sent back; handler messages beyond it are cut. */
const MAX_ERROR_MESSAGE_CHARS = 1024;

/** How long a closing connection may take to read its last line and hang up. */
const CLOSE_LINGER_MS = 2_000;

/** Validation issues named in one error message; the rest are counted. */
const MAX_ISSUES_LISTED = 3;

/** Options of {@link startHelperServer}. */
export interface HelperServerOptions extends AccessPolicy {
  /** Path of the Unix socket to listen on; its parent directory must exist. */
  socketPath: string;
  /** gid to chown the socket to; socket mode 0660 */
  socketGroup?: number;
  /** The operation handlers; they receive validated params and the kernel-verified caller. */
  handlers: OperationHandlers;
  /** Where connection, refusal and failure lines go. */
  logger: Logger;
  /** helper version, for logs */
  version: string;
}

/** A running helper server. */
export interface HelperServer {
  /** Path of the socket it listens on. */
  readonly socketPath: string;
  /** push an event line to every authenticated connection */
  broadcast: EventSink;
  /**
   * stop accepting, close connections, remove the socket file. Mutating requests still waiting
   * in the queue are dropped; a handler already running is not awaited.
   */
  close(): Promise<void>;
}

/** One authenticated connection. */
interface Connection {
  socket: net.Socket;
  caller: Caller;
  /** Requests accepted and not yet answered. */
  pending: number;
  /** The caller shut down its sending side: close ours once every answer is sent. */
  inputEnded: boolean;
}

/** A request line that passed every check. */
interface ValidRequest {
  ok: true;
  id: number;
  op: OperationName;
  params: unknown;
}

/** A request line refused before any handler ran. */
interface RejectedRequest {
  ok: false;
  id: number | null;
  code: ErrorCode;
  message: string;
}

type Issue = z.ZodError['issues'][number];

type AnyHandler = (params: unknown, caller: Caller) => Promise<unknown>;

function errorLine(id: number | null, code: ErrorCode, message: string): string {
  const text =
    message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : message;
  return JSON.stringify({ id, ok: false, error: { code, message: text } });
}

function describeIssues(issues: readonly Issue[]): string {
  const parts = issues.slice(0, MAX_ISSUES_LISTED).map((issue) => {
    const where = issue.path.map(String).join('.');
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.message;
    return where ? `${where}: ${what}` : what;
  });
  if (issues.length > MAX_ISSUES_LISTED) parts.push(`and ${issues.length - MAX_ISSUES_LISTED} more`);
  return parts.join('; ');
}

/** The request id to echo in an error: the line's `id` when it is a valid id, else null. */
function echoId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'id')) return null;
  const id = RequestEnvelope.shape.id.safeParse((value as { id: unknown }).id);
  return id.success ? id.data : null;
}

/** Parses and validates one request line against the envelope and the operation's schema. */
function parseRequest(line: string): ValidRequest | RejectedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, code: 'bad_json', message: 'the request line is not valid JSON' };
  }
  const envelope = RequestEnvelope.safeParse(value);
  if (!envelope.success) {
    const message = `requests look like {"id": 1, "op": "hello", "params": {}}: ${describeIssues(envelope.error.issues)}`;
    return { ok: false, id: echoId(value), code: 'bad_request', message };
  }
  const { id, op, params } = envelope.data;
  if (!Object.hasOwn(OPERATIONS, op)) {
    return { ok: false, id, code: 'unknown_op', message: `unknown operation ${JSON.stringify(op)}` };
  }
  const name = op as OperationName;
  const checked = OPERATIONS[name].params.safeParse(params === undefined ? {} : params);
  if (!checked.success) {
    return { ok: false, id, code: 'invalid_params', message: describeIssues(checked.error.issues) };
  }
  return { ok: true, id, op: name, params: checked.data };
}

/** Runs tasks one at a time, in the order they were queued. */
function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Resolves true when a process accepts connections on `path`, false when nobody does. */
function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => {
      probe.destroy();
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') resolve(false);
      else if (err.code === 'EAGAIN')
        resolve(true); // its backlog is full: alive
      else reject(err);
    });
  });
}

/** Unlinks a socket file nobody answers on; refuses when someone does or it is not a socket. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if (!(await lstat(path)).isSocket()) {
      throw new Error(`${path} exists and is not a socket; refusing to replace it`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (await somebodyListens(path)) {
    throw new Error(
      `another process already answers on ${path}: is a vifibnet helper running? Stop it first.`,
    );
  }
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

function listen(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Sends a last line and half-closes, then discards whatever the caller still sends until it
 * closes too (at most {@link CLOSE_LINGER_MS}): destroying at once would make the caller's pending
 * writes fail (EPIPE) before it reads why it was closed. Never writes to a closed socket.
 */
function closeWith(socket: net.Socket, line: string): void {
  if (!socket.writable) return;
  socket.end(`${line}\n`);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Starts the helper server on `options.socketPath`. Refuses to start when another process answers
 * on that path; replaces a stale socket file. The socket gets mode 0660 and, when
 * `options.socketGroup` is given, owner root and that group.
 */
export async function startHelperServer(options: HelperServerOptions): Promise<HelperServer> {
  const { socketPath, handlers, logger } = options;
  const connections = new Set<net.Socket>();
  const served = new Set<Connection>();
  const enqueue = createSerialQueue();
  let closing: Promise<void> | null = null;

  const send = (conn: Connection, line: string): void => {
    const { socket, caller } = conn;
    if (!socket.writable) return;
    socket.write(`${line}\n`);
    if (socket.writableLength > MAX_WRITE_BUFFER_BYTES) {
      logger.warn('Dropping a connection that does not read what the helper sends', {
        uid: caller.uid,
        pid: caller.pid,
        buffered: socket.writableLength,
      });
      socket.destroy();
    }
  };

  const invoke = async (request: ValidRequest, caller: Caller): Promise<string> => {
    const { id, op, params } = request;
    try {
      // The params passed OPERATIONS[op].params, which is exactly this handler's parameter type.
      const handler = handlers[op] as AnyHandler;
      const line = JSON.stringify({ id, ok: true, result: await handler.call(handlers, params, caller) });
      const bytes = Buffer.byteLength(line);
      if (bytes > MAX_MESSAGE_BYTES) throw new Error(`the result is ${bytes} bytes, over MAX_MESSAGE_BYTES`);
      return line;
    } catch (err) {
      if (err instanceof HelperError) return errorLine(id, err.code, err.message);
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      logger.error('Operation failed unexpectedly', { op, id, uid: caller.uid, error: detail });
      return errorLine(id, 'internal', `internal error while running ${op}; the helper log has the details`);
    }
  };

  const handleLine = (conn: Connection, line: string): void => {
    const request = parseRequest(line);
    if (!request.ok) {
      logger.debug('Rejected a request', { code: request.code, id: request.id, uid: conn.caller.uid });
      send(conn, errorLine(request.id, request.code, request.message));
      return;
    }
    if (conn.pending >= MAX_PENDING_PER_CONNECTION) {
      const message = `too many pending requests (${MAX_PENDING_PER_CONNECTION}); wait for answers first`;
      send(conn, errorLine(request.id, 'bad_request', message));
      return;
    }
    conn.pending += 1;
    const answer = IMMEDIATE_OPS.has(request.op)
      ? invoke(request, conn.caller)
      : enqueue(() => (closing ? Promise.resolve(null) : invoke(request, conn.caller)));
    void answer.then((line) => {
      conn.pending -= 1;
      if (line !== null) send(conn, line);
      if (conn.inputEnded && conn.pending === 0) conn.socket.end();
    });
  };

  const serve = (socket: net.Socket, caller: Caller): void => {
    const conn: Connection = { socket, caller, pending: 0, inputEnded: false };
    const framer = new LineFramer(MAX_MESSAGE_BYTES);
    served.add(conn);
    logger.debug('Caller connected', { pid: caller.pid, uid: caller.uid, gid: caller.gid });
    socket.once('close', () => {
      served.delete(conn);
      logger.debug('Caller disconnected', { pid: caller.pid, uid: caller.uid });
    });
    const onData = (chunk: Buffer): void => {
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) handleLine(conn, line);
      if (overflow) {
        logger.warn('Closing a connection that sent an oversized line', { pid: caller.pid, uid: caller.uid });
        const message = `request lines are limited to ${MAX_MESSAGE_BYTES} bytes; closing the connection`;
        socket.off('data', onData);
        closeWith(socket, errorLine(null, 'too_large', message));
      }
    };
    socket.on('data', onData);
    socket.once('end', () => {
      conn.inputEnded = true;
      if (conn.pending === 0) socket.end();
    });
    socket.resume();
  };

  const admit = async (socket: net.Socket): Promise<void> => {
    let caller: Caller | undefined;
    let allowed: boolean;
    try {
      caller = peerCredentials(socket);
      allowed = await isCallerAllowed(caller, options);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn('Refused a caller whose credentials cannot be checked', { ...caller, error: reason });
      closeWith(socket, errorLine(null, 'not_allowed', 'the helper could not verify who you are'));
      return;
    }
    if (socket.destroyed) return;
    if (!allowed) {
      logger.warn('Refused a caller that is not allowed', { ...caller });
      closeWith(socket, errorLine(null, 'not_allowed', refusalMessage(caller)));
      return;
    }
    serve(socket, caller);
  };

  const onConnection = (socket: net.Socket): void => {
    socket.on('error', (err) => logger.debug('Connection error', { error: err.message }));
    if (closing) {
      socket.destroy();
      return;
    }
    const full = connections.size >= MAX_CONNECTIONS;
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    if (full) {
      logger.warn('Refused a connection over the limit', { limit: MAX_CONNECTIONS });
      const message = `the helper already serves ${MAX_CONNECTIONS} connections; close one and retry`;
      closeWith(socket, errorLine(null, 'precondition', message));
      return;
    }
    void admit(socket);
  };

  // Half-open: a caller may send its requests, shut down its side, and still read the answers.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, onConnection);

  await logger.step(
    'Starting helper server',
    async () => {
      await removeStaleSocket(socketPath);
      await listen(server, socketPath);
      server.on('error', (err) => logger.error('Helper socket error', { error: err.message }));
      try {
        await chmod(socketPath, 0o660);
        if (options.socketGroup !== undefined) await chown(socketPath, 0, options.socketGroup);
      } catch (err) {
        await closeServer(server);
        throw err;
      }
    },
    { socket: socketPath, version: options.version },
  );

  const stop = async (): Promise<void> => {
    const closed = closeServer(server);
    for (const socket of connections) socket.destroy();
    await closed;
    await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  };

  return {
    socketPath,
    broadcast: (event) => {
      const line = JSON.stringify({ event: event.event, data: event.data });
      for (const conn of served) send(conn, line);
    },
    close: () => (closing ??= logger.step('Stopping helper server', stop, { socket: socketPath })),
  };
}
