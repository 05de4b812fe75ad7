import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../app/core/log';
import { DEAD_AFTER_FAILURES, PeerDb, type PeerDbOptions } from '../../app/core/peers/peer-db';
import type { VerifiedPeerRecordInput } from '../../app/core/peers/peer-record';
import { SCHEMA_VERSION } from '../../app/core/peers/schema';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);

let dir: string;
let file: string;
let clock: { t: number };
let logLines: string[];
const open: PeerDb[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vfb-peers-'));
  file = join(dir, 'peers.db');
  clock = { t: T0 };
  logLines = [];
});

afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openDb(options: PeerDbOptions = {}): Promise<PeerDb> {
  const logger = createLogger({ scope: 'peers', sink: (l) => logLines.push(l), now: () => clock.t });
  const db = await PeerDb.open(file, { now: () => clock.t, logger, ...options });
  open.push(db);
  return db;
}

const prefixOf = (n: number): string => `fd00:0:0:${n.toString(16)}::/64`;

function record(n: number, overrides: Partial<VerifiedPeerRecordInput> = {}): VerifiedPeerRecordInput {
  return {
    prefix: prefixOf(n),
    recordJson: JSON.stringify({ payload: `record of ${n}`, signature: 'sig' }),
    timestamp: T0 - HOUR,
    addresses: [
      { host: '192.0.2.1', port: 1194 + n, protocol: 'udp' },
      { host: `2001:db8::${n}`, port: 443, protocol: 'tcp' },
    ],
    certSerial: `0A${n}`,
    certExpiresAt: T0 + 24 * HOUR,
    ...overrides,
  };
}

describe('PeerDb storage', () => {
  test('opens in WAL mode with synchronous=NORMAL at the current schema version, logging the step', async () => {
    await openDb();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    const db = open[0]!;
    expect((db as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(1);
    expect(logLines.at(-1)).toMatch(/Opening peer DB … done in \d+ ms file=/);
  });

  test('refuses a file written by a newer schema and leaves it untouched', async () => {
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(openDb()).rejects.toThrow('peer DB schema version 99 is newer');
    const again = new Database(file, { readonly: true });
    expect(again.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({
      n: 0,
    });
    again.close();
  });

  test('stores the record as received with its parsed fields, and reads them back after reopening', async () => {
    const db = await openDb();
    expect(db.upsert(record(1, { full: true }))).toEqual({ outcomes: ['inserted'], evicted: [] });
    db.close();
    open.length = 0;
    const peer = (await openDb()).get(prefixOf(1));
    expect(peer).toEqual({
      prefix: prefixOf(1),
      recordJson: record(1).recordJson,
      recordTimestamp: T0 - HOUR,
      addresses: record(1).addresses,
      full: true,
      certSerial: '0a1',
      certExpiresAt: T0 + 24 * HOUR,
      firstSeen: T0,
      lastSeen: T0,
      lastSuccess: null,
      lastFailure: null,
      consecutiveFailures: 0,
      dead: false,
    });
  });

  test('the newer record wins; an older or equal one is stale and changes nothing', async () => {
    const db = await openDb();
    db.upsert(record(1));
    clock.t += HOUR;
    const newer = record(1, {
      timestamp: T0,
      addresses: [{ host: 'node1.example', port: 1000, protocol: 'tcp' }],
    });
    expect(db.upsert(newer).outcomes).toEqual(['updated']);
    clock.t += HOUR;
    expect(db.upsertMany([record(1), newer]).outcomes).toEqual(['stale', 'stale']);
    const peer = db.get(prefixOf(1))!;
    expect(peer.addresses).toEqual(newer.addresses);
    expect(peer).toMatchObject({ recordTimestamp: T0, firstSeen: T0, lastSeen: T0 + HOUR });
  });

  test('a record whose certificate already expired is not stored', async () => {
    const db = await openDb();
    expect(db.upsert(record(1, { certExpiresAt: T0 })).outcomes).toEqual(['expired']);
    expect(db.get(prefixOf(1))).toBeUndefined();
  });

  test('a malformed record rejects the whole batch before anything is written', async () => {
    const db = await openDb();
    const bad = record(2, { addresses: [{ host: 'x; rm -rf /', port: 1194, protocol: 'udp' }] });
    expect(() => db.upsertMany([record(1), bad])).toThrow();
    expect(db.counts()).toEqual({ total: 0, live: 0, dead: 0 });
  });
});

describe('PeerDb liveness', () => {
  test(`a peer becomes dead after ${DEAD_AFTER_FAILURES} consecutive failures and a success revives it`, async () => {
    const db = await openDb();
    db.upsert(record(1));
    for (let i = 1; i < DEAD_AFTER_FAILURES; i++) {
      expect(db.recordFailure(prefixOf(1))).toEqual({ consecutiveFailures: i, dead: false });
    }
    expect(db.recordFailure(prefixOf(1))).toEqual({ consecutiveFailures: DEAD_AFTER_FAILURES, dead: true });
    expect(logLines.some((l) => l.includes('Peer marked dead'))).toBe(true);
    clock.t += 1;
    expect(db.recordSuccess(prefixOf(1))).toBe(true);
    expect(db.get(prefixOf(1))).toMatchObject({ dead: false, consecutiveFailures: 0, lastSuccess: T0 + 1 });
    expect(db.recordFailure(prefixOf(9))).toBeUndefined();
    expect(db.recordSuccess(prefixOf(9))).toBe(false);
  });

  test('a record signed after the last failure revives a dead peer; one signed before does not', async () => {
    const db = await openDb();
    db.upsert(record(1));
    for (let i = 0; i < DEAD_AFTER_FAILURES; i++) db.recordFailure(prefixOf(1));
    db.upsert(record(1, { timestamp: T0 - 1 }));
    expect(db.get(prefixOf(1))).toMatchObject({ dead: true, recordTimestamp: T0 - 1 });
    db.upsert(record(1, { timestamp: T0 + 1 }));
    expect(db.get(prefixOf(1))).toMatchObject({ dead: false, consecutiveFailures: 0 });
  });

  test('candidates: live peers first, excluding the given prefixes and expired certificates', async () => {
    const db = await openDb();
    db.upsertMany([1, 2, 3, 4].map((n) => record(n)));
    db.upsert(record(5, { certExpiresAt: T0 + 1 }));
    db.recordFailure(prefixOf(2));
    for (let i = 0; i < DEAD_AFTER_FAILURES; i++) db.recordFailure(prefixOf(3));
    clock.t += 2;
    expect(db.candidates([prefixOf(4)]).map((p) => p.prefix)).toEqual([prefixOf(1), prefixOf(2)]);
    expect(db.candidates([], 1).map((p) => p.prefix)).toEqual([prefixOf(1)]);
  });

  test('candidates: dead peers only when no live one is left', async () => {
    const db = await openDb();
    db.upsertMany([1, 2].map((n) => record(n)));
    for (let i = 0; i < DEAD_AFTER_FAILURES; i++) db.recordFailure(prefixOf(2));
    expect(db.candidates([prefixOf(1)]).map((p) => [p.prefix, p.dead])).toEqual([[prefixOf(2), true]]);
  });

  test('dead peers are purged only once enough live peers are known', async () => {
    const db = await openDb();
    db.upsertMany([1, 2, 3].map((n) => record(n)));
    for (let i = 0; i < DEAD_AFTER_FAILURES; i++) db.recordFailure(prefixOf(3));
    expect(db.purgeDead(3)).toEqual([]);
    expect(db.counts()).toEqual({ total: 3, live: 2, dead: 1 });
    expect(db.purgeDead(2)).toEqual([prefixOf(3)]);
    expect(db.counts()).toEqual({ total: 2, live: 2, dead: 0 });
  });

  test('expired and revoked peers are purged with their addresses', async () => {
    const db = await openDb();
    db.upsertMany([record(1), record(2, { certExpiresAt: T0 + HOUR }), record(3)]);
    clock.t += HOUR;
    expect(db.purgeInvalid(['0a3'.toUpperCase()]).sort()).toEqual([prefixOf(2), prefixOf(3)]);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT DISTINCT prefix FROM peer_address').all()).toEqual([{ prefix: prefixOf(1) }]);
    raw.close();
  });
});

describe('PeerDb size bound', () => {
  test('evicts in the documented order: dead, most failures, never connected, least recently successful, least recently seen', async () => {
    const db = await openDb({ maxPeers: 6 });
    db.upsertMany([1, 2, 3, 4, 5, 6].map((n) => record(n)));
    for (let i = 0; i < DEAD_AFTER_FAILURES; i++) db.recordFailure(prefixOf(1)); // dead
    db.recordFailure(prefixOf(2)); // one failure
    clock.t += 1;
    db.recordSuccess(prefixOf(4)); // worked long ago
    clock.t += 1;
    db.recordSuccess(prefixOf(5)); // worked recently
    clock.t += 1;
    db.recordSuccess(prefixOf(6)); // worked most recently
    // 3 has never been connected to; 7 and 8 are new and never connected, seen after 3.
    clock.t += 1;
    const evictions: string[] = [];
    for (const n of [7, 8, 9, 10, 11, 12]) {
      evictions.push(...db.upsert(record(n)).evicted);
      clock.t += 1;
    }
    expect(evictions).toEqual([1, 2, 3, 7, 8, 9].map(prefixOf));
    expect(db.counts().total).toBe(6);
    for (const n of [10, 11, 12]) {
      db.recordSuccess(prefixOf(n));
      clock.t += 1;
    }
    // Every stored peer has worked: a newcomer that never did is the first to go.
    expect(db.upsert(record(13)).evicted).toEqual([prefixOf(13)]);
    db.close();
    open.length = 0;
    const smaller = await openDb({ maxPeers: 4 });
    expect(smaller.upsert(record(6)).evicted).toEqual([4, 5].map(prefixOf));
  });
});
