import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RecoveryDistribution, RecoveryHistory, RecoveryKind, type RecoveryEventT } from '../../app/ipc';
import { createLogger } from '../../app/core/log';
import type { Destination, OutageEnd, RecoveryRecord } from '../../app/core/recovery/observation';
import { SCHEMA_VERSION } from '../../app/core/recovery/schema';
import { MAX_HISTORY_ROWS, RecoveryStore } from '../../app/core/recovery/store';

/** The recovery DB on a real better-sqlite3 file in a temporary directory. */
const T0 = Date.UTC(2026, 10, 1);
const B: Destination = { prefix: 'fd42:1:1:b::/64', peer: 'node-b' };
const C: Destination = { prefix: 'fd42:1:1:c::/64', peer: 'node-c' };

let dir: string;
let file: string;
let logLines: string[];
const opened: RecoveryStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vfb-recovery-'));
  file = join(dir, 'recovery.sqlite');
  logLines = [];
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openStore(): Promise<RecoveryStore> {
  const logger = createLogger({ scope: 'recovery', sink: (l) => logLines.push(l) });
  const store = await RecoveryStore.open(file, { logger });
  opened.push(store);
  return store;
}

function closeStore(store: RecoveryStore): void {
  opened.splice(opened.indexOf(store), 1);
  store.close();
}

const transition = (d: Destination, ms: number, state: 'up' | 'down' | 'none'): RecoveryRecord => ({
  type: 'transition',
  at: T0 + ms,
  ...d,
  state,
  cause: 'test',
});
const outageStart = (d: Destination | null, ms: number): RecoveryRecord => ({
  type: 'outage-start',
  prefix: d?.prefix ?? null,
  peer: d?.peer ?? null,
  start: T0 + ms,
  cause: `${d?.peer ?? 'mesh'} lost`,
});
const outageEnd = (d: Destination | null, ms: number, endedBy: OutageEnd = 'recovered'): RecoveryRecord => ({
  type: 'outage-end',
  prefix: d?.prefix ?? null,
  end: T0 + ms,
  endedBy,
});
const event = (
  d: Destination | null,
  ms: number,
  kind: RecoveryEventT['kind'],
  outageMs: number | null = null,
): RecoveryRecord => ({
  type: 'event',
  event: { at: T0 + ms, kind, peer: d?.peer ?? null, detail: '', outageMs },
});

/** B and C up at 0; B down 1000–1444 (the mesh too); C down from 5000 on; a suspend at 8000. */
function scenario(store: RecoveryStore): void {
  store.write([transition(B, 0, 'up'), transition(C, 0, 'up')]);
  store.write([
    transition(B, 1000, 'down'),
    outageStart(B, 1000),
    event(B, 1000, 'tunnel-lost'),
    event(B, 1000, 'outage-started'),
    outageStart(null, 1000),
    event(null, 1000, 'outage-started'),
  ]);
  store.write([
    outageEnd(B, 1444),
    transition(B, 1444, 'up'),
    event(B, 1444, 'recovered', 444),
    outageEnd(null, 1444),
    event(null, 1444, 'recovered', 444),
  ]);
  store.write([transition(C, 5000, 'down'), outageStart(C, 5000), outageStart(null, 5000)]);
  store.write([event(null, 8000, 'suspended')]);
}

describe('schema', () => {
  test('opens in WAL mode at the current version; reopening migrates nothing; a newer file is refused', async () => {
    closeStore(await openStore());
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    closeStore(await openStore());
    expect(logLines.filter((l) => l.includes('Migrated recovery DB'))).toHaveLength(1);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(openStore()).rejects.toThrow(/newer than this program/);
  });

  test('stores every timeline kind of the API, and refuses any other', async () => {
    const store = await openStore();
    store.write(RecoveryKind.options.map((kind, i) => event(null, i, kind)));
    expect(store.history({ from: T0 }, T0 + 100).events.map((e) => e.kind)).toEqual(RecoveryKind.options);
    expect(() => store.write([event(null, 50, 'rebooted' as RecoveryEventT['kind'])])).toThrow(/CHECK/);
  });
});

describe('writing', () => {
  test('a batch is all or nothing: a record the DB refuses leaves none of the batch', async () => {
    const store = await openStore();
    const batch = [
      transition(B, 0, 'down'),
      outageStart(B, 0),
      event(B, 0, 'outage-started'),
      event(B, 5, 'rebooted' as RecoveryEventT['kind']),
    ];
    expect(() => store.write(batch)).toThrow(/CHECK/);
    const history = store.history({ from: T0 - 1 }, T0 + 10);
    expect(history).toMatchObject({ outages: [], events: [] });
    expect(history.reachability).toEqual([{ at: T0 - 1, reachable: 0, total: 0 }]);
    store.write([outageStart(B, 0)]);
  });

  test('after lost records: an end without an open outage is skipped, a second start ends the first', async () => {
    const store = await openStore();
    store.write([outageEnd(B, 10), outageStart(B, 20), outageStart(null, 20)]);
    store.write([outageStart(B, 30)]);
    expect(logLines.filter((l) => l.includes('records were lost before'))).toEqual([
      expect.stringContaining(
        'Recovery records ended an outage that was not open; records were lost before destination=fd42:1:1:b::/64',
      ),
      expect.stringContaining(
        'Recovery records started an outage while one was open; records were lost before destination=fd42:1:1:b::/64',
      ),
    ]);
    const history = store.history({ from: T0, peer: 'node-b' }, T0 + 100);
    expect(history.outages.map((o) => [o.start - T0, o.end && o.end - T0, o.endedBy])).toEqual([
      [20, 30, 'stopped'],
      [30, null, null],
    ]);
    const raw = new Database(file);
    expect(() =>
      raw
        .prepare("INSERT INTO outage (prefix, peer, start_at, cause) VALUES (?, 'node-b', 40, 'x')")
        .run(B.prefix),
    ).toThrow(/UNIQUE/);
    raw.close();
  });
});

describe('history', () => {
  test('for a peer: its curve, its outages, its events and the suspends', async () => {
    const store = await openStore();
    scenario(store);
    const history = store.history({ from: T0 + 500, peer: 'node-b' }, T0 + 10_000);
    expect(history).toEqual({
      from: T0 + 500,
      to: T0 + 10_000,
      peer: 'node-b',
      reachability: [
        { at: T0 + 500, reachable: 1, total: 1 },
        { at: T0 + 1000, reachable: 0, total: 1 },
        { at: T0 + 1444, reachable: 1, total: 1 },
      ],
      outages: [
        { peer: 'node-b', start: T0 + 1000, end: T0 + 1444, cause: 'node-b lost', endedBy: 'recovered' },
      ],
      events: [
        { at: T0 + 1000, kind: 'tunnel-lost', peer: 'node-b', detail: '', outageMs: null },
        { at: T0 + 1000, kind: 'outage-started', peer: 'node-b', detail: '', outageMs: null },
        { at: T0 + 1444, kind: 'recovered', peer: 'node-b', detail: '', outageMs: 444 },
        { at: T0 + 8000, kind: 'suspended', peer: null, detail: '', outageMs: null },
      ],
    });
    expect(RecoveryHistory.parse(history).outages).toHaveLength(1);
  });

  test('for the mesh: all destinations counted, the mesh outages (one still open), every event', async () => {
    const store = await openStore();
    scenario(store);
    const history = store.history({ from: T0 + 1200, peer: null }, T0 + 10_000);
    expect(history.reachability).toEqual([
      { at: T0 + 1200, reachable: 1, total: 2 },
      { at: T0 + 1444, reachable: 2, total: 2 },
      { at: T0 + 5000, reachable: 1, total: 2 },
    ]);
    expect(history.outages.map((o) => [o.peer, o.start - T0, o.end && o.end - T0, o.endedBy])).toEqual([
      [null, 1000, 1444, 'recovered'],
      [null, 5000, null, null],
    ]);
    expect(history.events.map((e) => `${e.peer ?? 'mesh'} ${e.kind}`)).toEqual([
      'node-b recovered',
      'mesh recovered',
      'mesh suspended',
    ]);
  });

  test('outages that ended before the range, or start after it, are left out; `to` defaults to now', async () => {
    const store = await openStore();
    scenario(store);
    const early = store.history({ from: T0 + 1500, to: T0 + 4000, peer: 'node-b' }, T0 + 10_000);
    expect(early.outages).toEqual([]);
    expect(early.reachability).toEqual([{ at: T0 + 1500, reachable: 1, total: 1 }]);
    const now = store.history({ from: T0 + 2000 }, T0 + 6000);
    expect(now.to).toBe(T0 + 6000);
  });

  test('keeps the latest outages and events when there are more than the API carries', async () => {
    const store = await openStore();
    store.write(Array.from({ length: MAX_HISTORY_ROWS + 50 }, (_, i) => event(B, i, 'route-switched')));
    const { events } = store.history({ from: T0 }, T0 + 100_000);
    expect(events).toHaveLength(MAX_HISTORY_ROWS);
    expect(events[0]!.at).toBe(T0 + 50);
    expect(events.at(-1)!.at).toBe(T0 + MAX_HISTORY_ROWS + 49);
  });
});

describe('distribution', () => {
  test('counts only outages of that destination that recovered within the range', async () => {
    const store = await openStore();
    store.write([transition(B, 0, 'up')]);
    const outages: [number, number, OutageEnd][] = [
      [1000, 1500, 'recovered'],
      [2000, 2000 + 3000, 'recovered'],
      [6000, 6000 + 60_000, 'recovered'],
      [70_000, 75_000, 'suspended'],
      [80_000, 80_100, 'recovered'],
    ];
    for (const [start, end, endedBy] of outages) {
      store.write([outageStart(B, start), outageStart(null, start)]);
      store.write([outageEnd(B, end, endedBy), outageEnd(null, end, endedBy)]);
    }
    const stats = store.distribution({ from: T0 + 1200, to: T0 + 70_000, peer: 'node-b' }, T0 + 100_000);
    expect(stats).toMatchObject({ recovered: 3, medianMs: 3000, p95Ms: 60_000 });
    expect(RecoveryDistribution.parse(stats).buckets.map((b) => b.share)).toEqual([1 / 3, 2 / 3, 2 / 3, 1]);
    expect(store.distribution({ from: T0 }, T0 + 100_000).recovered).toBe(4);
    expect(store.distribution({ from: T0, peer: 'node-c' }, T0 + 100_000).recovered).toBe(0);
  });
});

describe('retention and unclean stops', () => {
  test('purging drops what ended before the cut-off but keeps each destination’s last state', async () => {
    const store = await openStore();
    scenario(store);
    expect(store.purge(T0 + 6000)).toBe(
      /* events */ 5 + /* closed outages */ 2 + /* transitions but the last of each */ 3,
    );
    const history = store.history({ from: T0 + 7000 }, T0 + 10_000);
    expect(history.reachability).toEqual([{ at: T0 + 7000, reachable: 1, total: 2 }]);
    expect(history.outages.map((o) => o.start)).toEqual([T0 + 5000]);
    expect(history.events.map((e) => e.kind)).toEqual(['suspended']);
  });

  test('reopening after an unclean stop ends what was open at the last sign of life', async () => {
    const store = await openStore();
    scenario(store);
    store.checkpoint(T0 + 60_000);
    store.checkpoint(T0 + 30_000);
    closeStore(store);

    const reopened = await openStore();
    expect(logLines.some((l) => l.includes('Closed outages left open by an unclean stop count=2'))).toBe(
      true,
    );
    const history = reopened.history({ from: T0 + 4000 }, T0 + 120_000);
    expect(history.outages.map((o) => [o.start - T0, o.end! - T0, o.endedBy])).toEqual([
      [5000, 60_000, 'stopped'],
    ]);
    expect(history.reachability.at(-1)).toEqual({ at: T0 + 60_000, reachable: 0, total: 0 });
    reopened.write([outageStart(C, 70_000)]);
  });
});
