/**
 * Turns the text of a command-line value into the type its schema expects (`true`/`false` for
 * booleans, numbers for numbers) and validates it. Pure.
 */
import type { z } from 'zod';

/** Result of {@link parseTextValue}. */
export type TextValue<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Parses `text` for setting `key`, whose current value `example` tells its type, against
 * `schema`. Failures say which values are accepted.
 */
export function parseTextValue<T>(
  key: string,
  schema: z.ZodType<T>,
  example: unknown,
  text: string,
): TextValue<T> {
  const boolean = text === 'true' ? true : text === 'false' ? false : text;
  const number = text.trim() === '' ? text : Number(text);
  const raw = typeof example === 'boolean' ? boolean : typeof example === 'number' ? number : text;
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: `${key}: ${result.error.issues.map((i) => i.message).join('; ')}` };
}
