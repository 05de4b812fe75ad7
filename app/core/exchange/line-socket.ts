/**
 * Reading one bounded line from a TCP socket, shared by both ends of peer exchange.
 */
import type { Socket } from 'node:net';
import { MAX_LINE_BYTES } from './messages';

/**
 * Resolves with the first line `socket` receives (without its newline); rejects when the socket
 * ends first, errs, or sends more than {@link MAX_LINE_BYTES} without a newline.
 */
export function readLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error: Error | null, line?: string): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(line!);
    };
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(0x0a);
      if (nl >= 0) {
        chunks.push(chunk.subarray(0, nl));
        done(null, Buffer.concat(chunks).toString('utf8'));
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_LINE_BYTES) done(new Error('line too long'));
    };
    const onEnd = (): void => done(new Error('connection closed before a full line'));
    const onError = (err: Error): void => done(err);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });
}
