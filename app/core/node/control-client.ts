/**
 * Reading a running node's status through its control socket (control-server.ts).
 */
import { connect } from 'node:net';
import { z } from 'zod';
import { NodeStatusSchema, type NodeStatus } from './status';

/** Deadline of a status request. */
export const STATUS_TIMEOUT_MS = 5_000;

const Answer = z.union([
  z.object({ ok: z.literal(true), status: NodeStatusSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Why the status could not be read. */
export class ControlError extends Error {
  /** Creates the error; `notRunning` when nothing listens on the socket. */
  constructor(
    message: string,
    readonly notRunning: boolean,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Asks the node listening on `path` for its status. */
export function readNodeStatus(path: string, timeoutMs = STATUS_TIMEOUT_MS): Promise<NodeStatus> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    const fail = (error: ControlError): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new ControlError(`no answer from ${path} within ${timeoutMs} ms`, false)),
    );
    socket.on('error', (err: NodeJS.ErrnoException) =>
      fail(
        new ControlError(
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
            ? `no node is running with its control socket at ${path}`
            : `cannot read ${path}: ${err.message}`,
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED',
        ),
      ),
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('{"op":"status"}\n'));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      socket.destroy();
      let json: unknown;
      try {
        json = JSON.parse(buffer.slice(0, nl));
      } catch {
        json = undefined;
      }
      const answer = Answer.safeParse(json);
      if (!answer.success)
        reject(new ControlError(`the node answered something unexpected on ${path}`, false));
      else if (!answer.data.ok) reject(new ControlError(answer.data.error, false));
      else resolve(answer.data.status);
    });
  });
}
