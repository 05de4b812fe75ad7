/**
 * The engine's recent log lines in memory, for the Logs view: a logger sink that keeps the last
 * lines (parsed back into the API's {@link LogLineT}), still writes each to the next sink
 * (stderr), and tells listeners about every new line (`logs.line`).
 */
import type { LogLevelT, LogLineT } from '../../ipc';
import type { LogSink } from '../log';

/** Lines kept by default (the API's `logs.tail` limit). */
export const LOG_RING_CAPACITY = 5_000;

const LINE = /^(\S+) (debug|info|warn|error)\s+\[([^\]]*)\] ([\s\S]*)$/;

/** A formatted log line (see app/core/log) as the API's log line; unparsable text is kept as `info`. */
export function parseLogLine(text: string, now: number): LogLineT {
  const match = LINE.exec(text);
  const at = match ? Date.parse(match[1]!) : NaN;
  return {
    at: Number.isFinite(at) ? at : now,
    level: (match?.[2] as LogLevelT | undefined) ?? 'info',
    scope: (match?.[3] ?? '').slice(0, 200),
    message: (match?.[4] ?? text).slice(0, 8000),
  };
}

/** The last {@link LOG_RING_CAPACITY} lines, and the sink that feeds them. */
export class LogRing {
  private readonly lines: LogLineT[] = [];
  private readonly listeners = new Set<(line: LogLineT) => void>();

  /** Creates the ring; every line also goes to `next` when given. */
  constructor(
    private readonly next?: LogSink,
    private readonly capacity = LOG_RING_CAPACITY,
  ) {}

  /** The logger sink to create the engine's logger with. */
  readonly sink: LogSink = (text) => {
    this.next?.(text);
    const line = parseLogLine(text, Date.now());
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const listener of this.listeners) listener(line);
  };

  /** The latest `limit` lines, oldest first. */
  tail(limit: number): LogLineT[] {
    return this.lines.slice(-limit);
  }

  /** Calls `listener` with each new line; returns the unsubscriber. */
  onLine(listener: (line: LogLineT) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
