import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, OPERATIONS, RequestEnvelope, type OperationName } from '../../helper/protocol';
import type { Response } from '../support/server-client';
import { withTestServer } from '../support/server-harness';
import { VALID_PARAMS } from '../support/server-valid-params';

const OP_NAMES = Object.keys(OPERATIONS) as OperationName[];
const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const NASTY_SUFFIXES = [
  ';reboot',
  '\nplugin /tmp/x.so',
  ' --up /bin/sh',
  '/../x',
  '$(id)',
  '"',
  "'",
  '\u0000',
  ' ',
];
const BATCHES = 60;
const MIN_BATCH = 20;

/** The error a malformed line must get, per the protocol; null when the line is in fact a valid request. */
function expectedRejection(line: Buffer): { id: number | null; code: string } | null {
  const text = line.toString('utf8').replace(/\r$/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { id: null, code: 'bad_json' };
  }
  const envelope = RequestEnvelope.safeParse(value);
  if (!envelope.success) {
    const raw = typeof value === 'object' && value !== null && Object.hasOwn(value, 'id') ? value : {};
    const id = RequestEnvelope.shape.id.safeParse((raw as { id?: unknown }).id);
    return { id: id.success ? id.data : null, code: 'bad_request' };
  }
  const { id, op, params } = envelope.data;
  if (!Object.hasOwn(OPERATIONS, op)) return { id, code: 'unknown_op' };
  const ok = OPERATIONS[op as OperationName].params.safeParse(params === undefined ? {} : params).success;
  return ok ? null : { id, code: 'invalid_params' };
}

const isBlank = (line: Buffer): boolean => /^[ \t\r]*$/.test(line.toString('utf8'));
const jsonLine = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const withKey = (obj: object, key: string, value: unknown): object =>
  Object.fromEntries([...Object.entries(obj), [key, value]]);

const validId = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const randomBytes = fc
  .uint8Array({ minLength: 1, maxLength: 300 })
  .map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0a)));

const randomJson = fc.jsonValue({ maxDepth: 4 }).map(jsonLine);

const wrongEnvelope = fc
  .record(
    {
      id: fc.oneof(
        validId,
        fc.string(),
        fc.double(),
        fc.integer({ max: -1 }),
        fc.constant(2 ** 53),
        fc.constant(null),
      ),
      op: fc.oneof(fc.constantFrom(...OP_NAMES), fc.jsonValue({ maxDepth: 1 }), fc.string({ minLength: 65 })),
      params: fc.jsonValue({ maxDepth: 2 }),
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  )
  .map(jsonLine);

const unknownOp = fc
  .record({
    id: validId,
    op: fc.oneof(fc.string({ maxLength: 64 }), fc.constantFrom(...PROTOTYPE_NAMES)),
    params: fc.jsonValue({ maxDepth: 2 }),
  })
  .map(jsonLine);

const nastyString = fc
  .tuple(
    fc.constantFrom('vfb0', 'node-1', 'fd00::/64', 'peer.example.net', 'udp'),
    fc.constantFrom(...NASTY_SUFFIXES),
  )
  .map(([base, suffix]) => base + suffix);

/** A valid operation whose params lost a field, gained one, or had one replaced. */
const mutatedParams = fc
  .record({ id: validId, op: fc.constantFrom(...OP_NAMES), how: fc.nat(3), pick: fc.nat() })
  .chain(({ id, op, how, pick }) => {
    const base = VALID_PARAMS[op] as Record<string, unknown>;
    const keys = Object.keys(base);
    const key = keys.length > 0 ? keys[pick % keys.length]! : 'extra';
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), nastyString);
    const params =
      how === 0
        ? fc.constant(Object.fromEntries(Object.entries(base).filter(([k]) => k !== key)))
        : how === 1
          ? fc
              .tuple(
                fc.oneof(fc.string(), fc.constantFrom(...PROTOTYPE_NAMES, 'script', 'up', 'plugin')),
                value,
              )
              .map(([k, v]) => withKey(base, k, v))
          : how === 2
            ? value.map((v) => withKey(base, key, v))
            : fc
                .jsonValue({ maxDepth: 2 })
                .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v));
    return params.map((p) => jsonLine({ id, op, params: p }));
  });

/** A line the server must refuse: never blank, never a valid request. */
const malformedLine = fc
  .oneof(randomBytes, randomJson, wrongEnvelope, unknownOp, mutatedParams, mutatedParams)
  .filter((line) => !isBlank(line) && expectedRejection(line) !== null);

/** A batch of malformed lines and the points where the byte stream is cut into writes. */
const batch = fc.record({
  lines: fc.array(malformedLine, { minLength: MIN_BATCH, maxLength: 40 }),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
});

describe('helper server under malformed input', () => {
  test(`refuses ${BATCHES * MIN_BATCH}+ generated malformed requests, one error each, no handler call`, async () => {
    await withTestServer({}, async ({ connect, calls, logs }) => {
      const client = await connect();
      let sent = 0;
      let sentinels = 0;
      await fc.assert(
        fc.asyncProperty(batch, async ({ lines, cuts }) => {
          sentinels += 1;
          const sentinelId = 1e12 + sentinels;
          const stream = Buffer.concat([
            ...lines.flatMap((l) => [l, Buffer.from('\n')]),
            jsonLine({ id: sentinelId, op: 'hello' }),
            Buffer.from('\n'),
          ]);
          const offsets = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          for (const [i, start] of [0, ...offsets].entries())
            client.write(stream.subarray(start, offsets[i]));
          const responses: Response[] = [];
          for (let r = await client.response(); r.id !== sentinelId; r = await client.response())
            responses.push(r);
          expect(responses).toHaveLength(lines.length);
          for (const [i, response] of responses.entries()) {
            const expected = expectedRejection(lines[i]!)!;
            expect(response).toMatchObject({ ok: false, id: expected.id, error: { code: expected.code } });
            expect(ERROR_CODES).toContain(response.ok ? 'ok' : response.error.code);
          }
          sent += lines.length;
        }),
        { numRuns: BATCHES },
      );
      expect(sent).toBeGreaterThanOrEqual(1000);
      expect(calls.filter((c) => c.op !== 'hello')).toEqual([]);
      expect(calls).toHaveLength(sentinels);
      expect(logs.filter((l) => /^\S+ (warn|error) /.test(l))).toEqual([]);
      expect(await client.request(1, 'hello')).toMatchObject({ id: 1, ok: true, result: { protocol: 1 } });
      const fresh = await connect();
      expect(await fresh.request(2, 'hello')).toMatchObject({ id: 2, ok: true, result: { protocol: 1 } });
    });
  });
});
