/**
 * A minimal newline-JSON client for helper server tests. It frames lines itself (independently
 * of helper/framing.ts), validates every response against the protocol's envelope, and waits for
 * messages with a deadline instead of sleeping.
 */
import net from 'node:net';
import type { z } from 'zod';
import { ResponseEnvelope } from '../../helper/protocol';

/** A response line as the protocol defines it. */
export type Response = z.infer<typeof ResponseEnvelope>;

/** Test client on one connection to the helper socket. */
export class LineClient {
  private buffer = '';
  private readonly messages: unknown[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
        this.messages.push(JSON.parse(this.buffer.slice(0, nl)));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.notify();
    });
    // ECONNRESET or EPIPE once the server closed: `closed()` and `next()` report the outcome.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  /** Connects to a helper socket. */
  static connect(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LineClient(socket));
      });
    });
  }

  /** Writes raw bytes, no newline added. */
  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Sends one value as a JSON line. */
  send(value: unknown): void {
    this.write(`${JSON.stringify(value)}\n`);
  }

  /** Shuts down the sending side; answers can still be read. */
  end(): void {
    this.socket.end();
  }

  /** Stops reading from the socket (to let the server's output pile up). */
  pause(): void {
    this.socket.pause();
  }

  /** Resumes reading. */
  resume(): void {
    this.socket.resume();
  }

  /** The next message, parsed; rejects when none arrives within `timeoutMs` or the connection closed. */
  async next(timeoutMs = 5_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.messages.length > 0) return this.messages.shift();
      if (this.ended) throw new Error('the connection closed with no further message');
      if (!(await this.waitForActivity(deadline))) throw new Error(`no message within ${timeoutMs} ms`);
    }
  }

  /** The next message, which must be a protocol response. */
  async response(timeoutMs = 5_000): Promise<Response> {
    return ResponseEnvelope.parse(await this.next(timeoutMs));
  }

  /** Sends a request and returns the next response. */
  async request(id: number, op: string, params?: unknown): Promise<Response> {
    this.send(params === undefined ? { id, op } : { id, op, params });
    return this.response();
  }

  /** Resolves once the connection is closed; rejects after `timeoutMs`. */
  async closed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (!(await this.waitForActivity(deadline))) throw new Error(`still open after ${timeoutMs} ms`);
    }
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Resolves true on the next message or close, false at the deadline. */
  private waitForActivity(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(wake);
          resolve(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.add(wake);
    });
  }
}
