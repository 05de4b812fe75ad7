/**
 * Client of babeld's read-write local socket (root only): sends configuration lines at run time
 * and reads babeld's `ok` / `no` / `bad` answers. babeld 1.12 accepts any configuration
 * directive on this socket, so only helper code talks to it, with lines built by the pure
 * writer in config/babeld.ts.
 */
import { connect, type Socket } from 'node:net';
import { HelperError } from '../protocol';

/** Deadline of one exchange with babeld. */
const CONTROL_TIMEOUT_MS = 3_000;

/** Reads babeld's answer lines until a terminator for each expected reply. */
class LineReader {
  private buf = '';
  private waiters: Array<(line: string) => void> = [];
  private lines: string[] = [];

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
  }

  next(): Promise<string> {
    const l = this.lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => this.waiters.push(r));
  }

  /** Reads lines until `ok`, `no` or `bad`; returns the terminator and the lines before it. */
  async untilStatus(): Promise<{ status: string; body: string[] }> {
    const body: string[] = [];
    for (;;) {
      const line = await this.next();
      if (line === 'ok' || line === 'no' || line.startsWith('bad')) return { status: line, body };
      body.push(line);
    }
  }
}

/** Connects to babeld's control socket and resolves once babeld greeted (ready for commands). */
function open(path: string): Promise<{ socket: Socket; reader: LineReader }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const reader = new LineReader(socket);
    socket.once('error', reject);
    socket.once('connect', () => {
      reader
        .untilStatus()
        .then(() => resolve({ socket, reader }))
        .catch(reject);
    });
  });
}

async function withDeadline<T>(what: string, action: Promise<T>, cleanup: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      action,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new HelperError('exec_failed', `babeld did not answer ${what} within ${CONTROL_TIMEOUT_MS} ms`),
            ),
          CONTROL_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    cleanup();
  }
}

/**
 * Sends each line to babeld in order and returns the body of each answer; rejects with
 * `exec_failed` when babeld answers `no`/`bad`, is unreachable or too slow.
 */
export async function babelCommand(path: string, lines: readonly string[]): Promise<string[][]> {
  let socket: Socket | undefined;
  const run = async (): Promise<string[][]> => {
    const conn = await open(path);
    socket = conn.socket;
    const bodies: string[][] = [];
    for (const line of lines) {
      if (/[\n\r]/.test(line)) throw new HelperError('internal', 'a babeld command contains a line break');
      conn.socket.write(`${line}\n`);
      const { status, body } = await conn.reader.untilStatus();
      if (status !== 'ok') throw new HelperError('exec_failed', `babeld refused "${line}": ${status}`);
      bodies.push(body);
    }
    conn.socket.end();
    return bodies;
  };
  return withDeadline(lines.join('; '), run(), () => socket?.destroy());
}

/** Polls until babeld's control socket answers, or the deadline passes (then rejects). */
export async function waitForBabel(path: string, deadlineMs: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    if (!alive()) throw new HelperError('exec_failed', 'babeld exited during start-up (see the helper log)');
    try {
      await babelCommand(path, []);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new HelperError(
    'exec_failed',
    `babeld's control socket did not answer within ${deadlineMs} ms (${last})`,
  );
}
