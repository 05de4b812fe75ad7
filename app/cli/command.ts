/**
 * Small pieces shared by the `vifibnet` subcommands that have sub-subcommands (`registry …`,
 * `node …`): dispatch on the next word, strict option parsing, and turning errors into one
 * line on stderr and an exit code (2 for usage, 1 for failures).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command: receives its arguments, resolves to the exit code. */
export type Command = (args: string[]) => Promise<number>;

/** Thrown for a malformed command line; printed with the usage. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Runs the entry of `table` named by the first argument. */
export async function dispatch(
  name: string,
  table: Record<string, { summary: string; run: Command }>,
  args: string[],
): Promise<number> {
  const [word, ...rest] = args;
  const usage = `usage: vifibnet ${name} <command> …\n\ncommands:\n${Object.entries(table)
    .map(([key, entry]) => `  ${key.padEnd(14)} ${entry.summary}`)
    .join('\n')}\n`;
  if (word === undefined || word === '--help' || word === '-h') {
    process.stdout.write(usage);
    return word === undefined ? 2 : 0;
  }
  const entry = table[word];
  if (!entry) {
    process.stderr.write(`vifibnet ${name}: unknown command '${word}'\n\n${usage}`);
    return 2;
  }
  return entry.run(rest);
}

/** Strict option parsing; unknown options and missing values become a {@link UsageError}. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  positionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

/**
 * Runs a command body, printing its error as `vifibnet <name>: message` (with `[code]` when
 * the error has one). Exit code 2 for usage errors, 1 for other failures.
 */
export async function runReporting(name: string, usage: string, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`vifibnet ${name}: ${err.message}\nusage: vifibnet ${name} ${usage}\n`);
      return 2;
    }
    const code =
      typeof (err as { code?: unknown }).code === 'string' ? ` [${(err as { code: string }).code}]` : '';
    process.stderr.write(`vifibnet ${name}: ${err instanceof Error ? err.message : String(err)}${code}\n`);
    return 1;
  }
}

/** Writes `value` as one JSON document (with `--json`) or as the given text lines. */
export function output(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}
