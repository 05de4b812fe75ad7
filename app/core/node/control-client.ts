/**
 * Requests to a running node's control socket (control-server.ts): its status, a tunnel rotation.
 */
import { connect } from 'node:net';
import { z } from 'zod';
import { NodeStatusSchema, type NodeStatus } from './status';

/** Deadline of a control request. */
export const STATUS_TIMEOUT_MS = 5_000;

const Answer = z.union([
  z.object({ ok: z.literal(true), status: NodeStatusSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

const RotateAnswer = z.union([
  z.object({ ok: z.literal(true), device: z.string() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Why a request failed. */
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

/** Sends one request line to the node listening on `path` and resolves with its parsed answer. */
function request(path: string, line: object, timeoutMs: number): Promise<unknown> {
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
    socket.on('connect', () => socket.write(`${JSON.stringify(line)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      socket.destroy();
      try {
        resolve(JSON.parse(buffer.slice(0, nl)));
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** Asks the node listening on `path` for its status. */
export async function readNodeStatus(path: string, timeoutMs = STATUS_TIMEOUT_MS): Promise<NodeStatus> {
  const answer = Answer.safeParse(await request(path, { op: 'status' }, timeoutMs));
  if (!answer.success) throw new ControlError(`the node answered something unexpected on ${path}`, false);
  if (!answer.data.ok) throw new ControlError(answer.data.error, false);
  return answer.data.status;
}

/**
 * Asks the node listening on `path` to rotate its outgoing tunnel to `peer` (a peer prefix or a
 * device name) now; resolves with the device being replaced (control-server.ts).
 */
export async function requestRotation(
  path: string,
  peer: string,
  timeoutMs = STATUS_TIMEOUT_MS,
): Promise<string> {
  const answer = RotateAnswer.safeParse(await request(path, { op: 'rotate', peer }, timeoutMs));
  if (!answer.success) throw new ControlError(`the node answered something unexpected on ${path}`, false);
  if (!answer.data.ok) throw new ControlError(answer.data.error, false);
  return answer.data.device;
}
