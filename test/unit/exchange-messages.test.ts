/**
 * Peer exchange messages: what a node accepts as a request and as an answer, and that what its
 * service writes is what the other end accepts.
 */
import { describe, expect, it } from 'vitest';
import {
  EXCHANGE_VERSION,
  MAX_LINE_BYTES,
  MAX_RECORDS,
  errorLine,
  parseAnswer,
  parseRequest,
} from '../../app/core/exchange/messages';
import { answerLine, type ExchangeSource } from '../../app/core/exchange/server';

const ENVELOPE = {
  cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  payload: '{"type":"announce"}',
  signature: 'abc_-',
};

const source: ExchangeSource = {
  prefix: 'fd00:0:0:1::/64',
  full: () => true,
  records: (count) => Array.from({ length: Math.min(count, 3) }, () => ENVELOPE),
  tunnelPeers: () => ['fd00:0:0:2::/64', 'fd00:0:0:3::/64'],
};

describe('exchange requests', () => {
  it('accepts the two requests', () => {
    expect(parseRequest('{"v":1,"op":"records","count":32}')).toEqual({
      ok: true,
      value: { v: 1, op: 'records', count: 32 },
    });
    expect(parseRequest('{"v":1,"op":"tunnel-peers"}')).toEqual({
      ok: true,
      value: { v: 1, op: 'tunnel-peers' },
    });
  });

  it.each([
    ['not JSON', '{"v":1,', /not JSON/],
    ['another version', '{"v":2,"op":"tunnel-peers"}', /^v: /],
    ['an unknown operation', '{"v":1,"op":"dump"}', /^op: /],
    ['an unknown field', '{"v":1,"op":"tunnel-peers","all":true}', /^request: Unrecognized key: "all"/],
    ['a count of 0', '{"v":1,"op":"records","count":0}', /^count: /],
    ['a count above the bound', `{"v":1,"op":"records","count":${MAX_RECORDS + 1}}`, /^count: /],
    ['a fractional count', '{"v":1,"op":"records","count":1.5}', /^count: /],
    ['a missing count', '{"v":1,"op":"records"}', /^count: /],
    ['an array', '[]', /^request: .*expected object/],
  ])('refuses %s', (_what, line, message) => {
    const parsed = parseRequest(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('refuses a line over the size bound without parsing it', () => {
    const line = `{"v":1,"op":"tunnel-peers","x":"${'a'.repeat(MAX_LINE_BYTES)}"}`;
    expect(parseRequest(line)).toEqual({ ok: false, error: 'line too long' });
  });
});

describe('exchange answers', () => {
  it('round-trips what the service writes', () => {
    const records = parseAnswer(
      'records',
      answerLine(source, { v: EXCHANGE_VERSION, op: 'records', count: 2 }),
    );
    expect(records).toEqual({
      ok: true,
      value: {
        v: 1,
        ok: true,
        op: 'records',
        prefix: 'fd00:0:0:1::/64',
        full: true,
        records: [ENVELOPE, ENVELOPE],
      },
    });
    const peers = parseAnswer(
      'tunnel-peers',
      answerLine(source, { v: EXCHANGE_VERSION, op: 'tunnel-peers' }),
    );
    expect(peers.ok && peers.value.peers).toEqual(['fd00:0:0:2::/64', 'fd00:0:0:3::/64']);
  });

  it('turns a refusal into an error', () => {
    expect(parseAnswer('records', errorLine('count: too big'))).toEqual({
      ok: false,
      error: 'refused: count: too big',
    });
  });

  it('refuses the answer to another request', () => {
    const line = answerLine(source, { v: EXCHANGE_VERSION, op: 'tunnel-peers' });
    expect(parseAnswer('records', line).ok).toBe(false);
  });

  it.each([
    ['a peer that is not a prefix', { peers: ['fd00::1'] }],
    ['a prefix with host bits', { peers: ['fd00:0:0:1::1/64'] }],
    ['a missing full flag', { full: undefined }],
  ])('refuses %s', (_what, change) => {
    const answer = { v: 1, ok: true, op: 'tunnel-peers', prefix: 'fd00:0:0:1::/64', full: false, peers: [] };
    expect(parseAnswer('tunnel-peers', JSON.stringify({ ...answer, ...change })).ok).toBe(false);
  });

  it('refuses more records than the bound, and records that are not signed envelopes', () => {
    const answer = { v: 1, ok: true, op: 'records', prefix: 'fd00:0:0:1::/64', full: false };
    const tooMany = Array.from({ length: MAX_RECORDS + 1 }, () => ENVELOPE);
    expect(parseAnswer('records', JSON.stringify({ ...answer, records: tooMany })).ok).toBe(false);
    const unsigned = [{ cert: ENVELOPE.cert, payload: ENVELOPE.payload }];
    expect(parseAnswer('records', JSON.stringify({ ...answer, records: unsigned })).ok).toBe(false);
    expect(parseAnswer('records', JSON.stringify({ ...answer, records: [ENVELOPE] })).ok).toBe(true);
  });
});
