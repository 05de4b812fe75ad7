/**
 * The project's one structured logger. It lives in helper/ because the helper may import
 * nothing from app/; the engine re-exports it from app/core/log.
 *
 * Lines look like `2026-11-29T19:55:00.123Z info  [babel] Starting babeld … done in 12 ms peer=a`.
 * Long actions go through {@link Logger.step}, which logs a start line and a completion line with
 * the duration (or the failure and the time it took).
 */

/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra key/value context printed after the message. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where finished lines go (stderr by default; tests capture them). */
export type LogSink = (line: string) => void;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Scope printed in brackets, e.g. `helper` or `babel`. */
  scope: string;
  /** Lowest level printed; default from `VIFIBNET_LOG_LEVEL`, else `info`. */
  level?: LogLevel;
  /** Destination of lines; default writes to stderr. */
  sink?: LogSink;
  /** Clock, for tests. */
  now?: () => number;
}

/** A scoped logger. */
export interface Logger {
  /** Logs at debug level. */
  debug(message: string, fields?: LogFields): void;
  /** Logs at info level. */
  info(message: string, fields?: LogFields): void;
  /** Logs at warn level. */
  warn(message: string, fields?: LogFields): void;
  /** Logs at error level. */
  error(message: string, fields?: LogFields): void;
  /** A logger with the same sink and level and a sub-scope (`helper/babel`). */
  child(scope: string): Logger;
  /**
   * Runs a long action between a start line (`What …`) and a completion line
   * (`What … done in 12 ms`, or `What … failed after 12 ms: reason`), and returns its result.
   */
  step<T>(what: string, action: () => T | Promise<T>, fields?: LogFields): Promise<T>;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const text = String(v);
    parts.push(`${k}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`);
  }
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function envLevel(): LogLevel {
  const v = process.env.VIFIBNET_LOG_LEVEL;
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}

/** Creates a logger for one scope. */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? envLevel();
  const sink = options.sink ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;

  const write = (lvl: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[lvl] < LEVEL_RANK[level]) return;
    const ts = new Date(now()).toISOString();
    sink(`${ts} ${lvl.padEnd(5)} [${options.scope}] ${message}${formatFields(fields)}`);
  };

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (scope) => createLogger({ ...options, level, sink, now, scope: `${options.scope}/${scope}` }),
    async step<T>(what: string, action: () => T | Promise<T>, fields?: LogFields): Promise<T> {
      const start = now();
      write('info', `${what} …`, fields);
      try {
        const result = await action();
        write('info', `${what} … done in ${Math.round(now() - start)} ms`, fields);
        return result;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        write('error', `${what} … failed after ${Math.round(now() - start)} ms: ${reason}`, fields);
        throw err;
      }
    },
  };
}
