/**
 * Peer exchange, the wire format: one JSON request line, one JSON answer line, over TCP to a
 * node's overlay address on {@link EXCHANGE_PORT} (reachable only through the mesh). Two
 * requests, as SELECTION.md needs them:
 *
 *     {"v":1,"op":"records","count":32}
 *     → {"v":1,"ok":true,"op":"records","prefix":"fd…::/64","full":false,"records":[<signed envelope>…]}
 *     {"v":1,"op":"tunnel-peers"}
 *     → {"v":1,"ok":true,"op":"tunnel-peers","prefix":"fd…::/64","full":false,"peers":["fd…::/64",…]}
 *     (anything else) → {"v":1,"ok":false,"error":"…"}
 *
 * `records` are signed address records exactly as the registry hands them out (the answering
 * node's own first); the asker verifies each against the CA before use. `full` says whether the
 * answering node is at its incoming tunnel limit, so others stop asking it for tunnels. Every
 * list and line is bounded. Pure.
 */
import { z } from 'zod';
import { PrefixText, SignedEnvelope } from '../../registry/protocol';

/** TCP port of the exchange service on every node's overlay address. */
export const EXCHANGE_PORT = 1196;

/** Version of this format. */
export const EXCHANGE_VERSION = 1 as const;

/** Most records one answer carries. */
export const MAX_RECORDS = 64;

/** Most tunnel peers one answer lists (a node's incoming limit is at most 1024). */
export const MAX_TUNNEL_PEERS = 1_100;

/** Longest line either side accepts, in bytes (64 records of a few kB each). */
export const MAX_LINE_BYTES = 512 * 1024;

/** A request. */
export const ExchangeRequest = z.discriminatedUnion('op', [
  z.strictObject({
    v: z.literal(EXCHANGE_VERSION),
    op: z.literal('records'),
    count: z.number().int().min(1).max(MAX_RECORDS),
  }),
  z.strictObject({ v: z.literal(EXCHANGE_VERSION), op: z.literal('tunnel-peers') }),
]);

const AnswerBase = {
  v: z.literal(EXCHANGE_VERSION),
  ok: z.literal(true),
  /** The answering node's prefix. */
  prefix: PrefixText,
  /** True when the answering node accepts no more incoming tunnels. */
  full: z.boolean(),
};

/** Answer to `records`. */
export const RecordsAnswer = z.object({
  ...AnswerBase,
  op: z.literal('records'),
  records: z.array(SignedEnvelope).max(MAX_RECORDS),
});

/** Answer to `tunnel-peers`. */
export const TunnelPeersAnswer = z.object({
  ...AnswerBase,
  op: z.literal('tunnel-peers'),
  peers: z.array(PrefixText).max(MAX_TUNNEL_PEERS),
});

/** A refusal. */
export const ErrorAnswer = z.object({
  v: z.literal(EXCHANGE_VERSION),
  ok: z.literal(false),
  error: z.string().max(500),
});

/** @see ExchangeRequest */
export type ExchangeRequestT = z.infer<typeof ExchangeRequest>;
/** @see RecordsAnswer */
export type RecordsAnswerT = z.infer<typeof RecordsAnswer>;
/** @see TunnelPeersAnswer */
export type TunnelPeersAnswerT = z.infer<typeof TunnelPeersAnswer>;
/** @see ErrorAnswer */
export type ErrorAnswerT = z.infer<typeof ErrorAnswer>;

/** The answer type of each request. */
export interface AnswerOf {
  /** @see RecordsAnswer */
  records: RecordsAnswerT;
  /** @see TunnelPeersAnswer */
  'tunnel-peers': TunnelPeersAnswerT;
}

const ANSWERS = { records: RecordsAnswer, 'tunnel-peers': TunnelPeersAnswer } as const;

/** Outcome of parsing a line. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseLine<T>(line: string, schema: z.ZodType<T>): Parsed<T> {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) return { ok: false, error: 'line too long' };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : {
        ok: false,
        error: parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '),
      };
}

/** Parses and validates a request line. */
export function parseRequest(line: string): Parsed<ExchangeRequestT> {
  return parseLine(line, ExchangeRequest);
}

/** Parses and validates the answer line to a request `op`; a refusal becomes an error. */
export function parseAnswer<O extends keyof AnswerOf>(op: O, line: string): Parsed<AnswerOf[O]> {
  const refusal = parseLine(line, ErrorAnswer);
  if (refusal.ok) return { ok: false, error: `refused: ${refusal.value.error}` };
  return parseLine(line, ANSWERS[op] as unknown as z.ZodType<AnswerOf[O]>);
}

/** The refusal line for `error`. */
export function errorLine(error: string): string {
  return JSON.stringify({
    v: EXCHANGE_VERSION,
    ok: false,
    error: error.slice(0, 500),
  } satisfies ErrorAnswerT);
}
