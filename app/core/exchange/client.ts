/**
 * Asking a peer's exchange service (messages.ts): connect to its overlay address, send one
 * request, read and validate one answer, within a deadline.
 */
import { connect } from 'node:net';
import { readLine } from './line-socket';
import { EXCHANGE_PORT, EXCHANGE_VERSION, parseAnswer, type AnswerOf } from './messages';

/** Deadline of one request, connection included. */
export const EXCHANGE_TIMEOUT_MS = 5_000;

/** A request that got no valid answer. */
export class ExchangeError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/** The request line of `op`. */
type RequestOf<O extends keyof AnswerOf> = { op: O } & (O extends 'records' ? { count: number } : object);

/** Sends `request` to the exchange service at `host` and resolves with its validated answer. */
export function askPeer<O extends keyof AnswerOf>(
  host: string,
  request: RequestOf<O>,
  options: { port?: number; timeoutMs?: number } = {},
): Promise<AnswerOf[O]> {
  const port = options.port ?? EXCHANGE_PORT;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new ExchangeError(`exchange ${request.op} with [${host}]:${port}: ${reason}`));
    };
    socket.setTimeout(options.timeoutMs ?? EXCHANGE_TIMEOUT_MS, () => fail('timed out'));
    socket.once('error', (err) => fail(err.message));
    socket.once('connect', () => {
      socket.write(`${JSON.stringify({ v: EXCHANGE_VERSION, ...request })}\n`);
      readLine(socket).then(
        (line) => {
          socket.destroy();
          const answer = parseAnswer(request.op, line);
          if (answer.ok) resolve(answer.value);
          else fail(answer.error);
        },
        (err: Error) => fail(err.message),
      );
    });
  });
}
