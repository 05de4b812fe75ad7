import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createLogger } from '../../app/core/log';
import { RecoveryStore } from '../../app/core/recovery/store';

/**
 * A tracker process is killed with SIGKILL in the middle of writing a batch — inside the
 * transaction, after a chosen number of its SQL statements ran — three times over. The DB must
 * reopen intact and hold exactly what the last committed batch left (no row of the killed batch),
 * every outage complete (its transitions and timeline events written with it), and the next
 * process must close what the killed one left open.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const T0 = Date.UTC(2026, 10, 1);
const DESTINATIONS = 20;

/**
 * The writer: a real routing table and tracker with a clock that moves 1 s per batch. In batch
 * `b`, destination `i` has no route when (b + i) % 4 < 2, so every batch loses some routes,
 * confirms the losses of the batch before as outages (backdated to it) and recovers others;
 * about a quarter of the destinations are in an open outage after every batch, and so is the
 * mesh. Each batch is one transaction; once committed, the writer reports the batch and the row
 * counts. `VFB_KILL=<batch>:<n>` makes it SIGKILL itself when the write of that batch has run `n`
 * SQL statements (better-sqlite3's `Statement.run`, wrapped here, is what the store writes with).
 */
const WRITER = `
import Database from 'better-sqlite3';
import { parseUpdate } from ${JSON.stringify(join(ROOT, 'app/core/babel/dump-parser.ts'))};
import { RoutingTable } from ${JSON.stringify(join(ROOT, 'app/core/babel/routing-table.ts'))};
import { createLogger } from ${JSON.stringify(join(ROOT, 'app/core/log/index.ts'))};
import { RecoveryStore } from ${JSON.stringify(join(ROOT, 'app/core/recovery/store.ts'))};
import { RecoveryTracker } from ${JSON.stringify(join(ROOT, 'app/core/recovery/tracker.ts'))};
const start = Number(process.env.VFB_START);
const [killBatch, killAfter] = process.env.VFB_KILL.split(':').map(Number);
let batch = start;
let now = ${T0} + start * 1000;
const logger = createLogger({ scope: 'recovery', sink: () => undefined });
const store = await RecoveryStore.open(process.env.VFB_DB, { logger });
const reader = new Database(process.env.VFB_DB, { readonly: true });
const counts = () => ['transition', 'event', 'outage']
  .map((table) => reader.prepare('SELECT count(*) AS n FROM ' + table).get().n).join(' ');
const statement = Object.getPrototypeOf(reader.prepare('SELECT 1'));
const run = statement.run;
let armed = -1;
statement.run = function (...args) {
  if (armed >= 0 && armed-- === 0) process.kill(process.pid, 'SIGKILL');
  return run.apply(this, args);
};
const write = store.write.bind(store);
store.write = (records) => {
  if (batch === killBatch) armed = killAfter;
  write(records);
};
const table = new RoutingTable();
const prefix = (i) => 'fd00:0:0:' + i.toString(16) + '::/64';
const peerOf = (p) => 'node-' + parseInt(p.split(':')[3], 16);
new RecoveryTracker({ table, store, peerOf, now: () => now, logger });
const line = (i, metric) => 'change route 55' + i + ' prefix ' + prefix(i) + ' from ::/0 installed yes id 00:00:00:00:00:00:00:' +
  i.toString(16).padStart(2, '0') + ' metric ' + metric + ' refmetric 0 via fe80::' + (i + 1) + ' if vfb' + i;
for (; ; batch++) {
  now = ${T0} + batch * 1000;
  for (let i = 0; i < ${DESTINATIONS}; i++) table.apply(parseUpdate(line(i, (batch + i) % 4 < 2 ? 65535 : 96)));
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write(batch + ' ' + counts() + '\\n');
}
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vfb-recovery-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The last batch a writer reported, with the row counts it left. */
interface Reported {
  batch: number;
  counts: string;
}

/** Runs the writer from batch `start`; it kills itself `statements` statements into writing batch `killed`. */
async function writeUntilKilled(
  file: string,
  start: number,
  killed: number,
  statements: number,
): Promise<Reported> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER], {
    cwd: ROOT,
    env: { ...process.env, VFB_DB: file, VFB_START: String(start), VFB_KILL: `${killed}:${statements}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let last: Reported = { batch: start - 1, counts: '' };
  for await (const line of createInterface({ input: child.stdout })) {
    const [batch, ...counts] = line.split(' ');
    last = { batch: Number(batch), counts: counts.join(' ') };
  }
  expect(await exited).toBe('SIGKILL');
  expect(last.batch).toBe(killed - 1);
  return last;
}

/** Rows breaking "an outage is written with its transitions and events", by check. */
const INCOMPLETE = {
  'outage without its down transition': `SELECT id FROM outage o WHERE prefix IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM transition t WHERE t.prefix = o.prefix AND t.at = o.start_at AND t.state = 'down')`,
  'outage without its started event': `SELECT id FROM outage o WHERE NOT EXISTS
    (SELECT 1 FROM event e WHERE e.kind = 'outage-started' AND e.peer IS o.peer AND e.at = o.start_at)`,
  'recovered outage without its up transition': `SELECT id FROM outage o WHERE ended_by = 'recovered'
    AND prefix IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM transition t WHERE t.prefix = o.prefix AND t.at = o.end_at AND t.state = 'up')`,
  'recovered outage without its recovered event': `SELECT id FROM outage o WHERE ended_by = 'recovered' AND NOT EXISTS
    (SELECT 1 FROM event e WHERE e.kind = 'recovered' AND e.peer IS o.peer AND e.at = o.end_at
       AND e.outage_ms = o.end_at - o.start_at)`,
  'started event without its outage': `SELECT seq FROM event e WHERE kind = 'outage-started' AND NOT EXISTS
    (SELECT 1 FROM outage o WHERE o.peer IS e.peer AND o.start_at = e.at)`,
  'recovered event without its outage': `SELECT seq FROM event e WHERE kind = 'recovered' AND NOT EXISTS
    (SELECT 1 FROM outage o WHERE o.peer IS e.peer AND o.end_at = e.at AND o.ended_by = 'recovered')`,
  'down transition without its outage': `SELECT seq FROM transition t WHERE state = 'down' AND NOT EXISTS
    (SELECT 1 FROM outage o WHERE o.prefix = t.prefix AND o.start_at = t.at)`,
  'overlapping outages': `SELECT id FROM (SELECT id, start_at,
    lag(end_at) OVER (PARTITION BY ifnull(prefix, '') ORDER BY start_at, id) AS previous_end FROM outage)
    WHERE previous_end > start_at`,
};

/** Checks the DB a killed writer left against what it last reported. */
function checkConsistent(file: string, last: Reported): void {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const counts = ['transition', 'event', 'outage']
      .map((table) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n)
      .join(' ');
    expect(counts, 'rows (transitions events outages) beyond the last committed batch').toBe(last.counts);
    for (const [what, sql] of Object.entries(INCOMPLETE)) expect(db.prepare(sql).all(), what).toEqual([]);
    const open = db.prepare('SELECT count(*) AS n FROM outage WHERE end_at IS NULL').get() as { n: number };
    expect(open.n).toBeGreaterThan(1);
  } finally {
    db.close();
  }
}

test('a tracker killed with SIGKILL inside a write leaves exactly the committed batches, three times over', async () => {
  const file = join(dir, 'recovery.sqlite');
  let next = 0;
  for (const [commits, statements] of [
    [5, 1],
    [17, 9],
    [40, 25],
  ] as const) {
    const last = await writeUntilKilled(file, next, next + commits, statements);
    checkConsistent(file, last);
    next = last.batch + 1;
  }
  const lines: string[] = [];
  const store = await RecoveryStore.open(file, {
    logger: createLogger({ scope: 'recovery', sink: (l) => lines.push(l) }),
  });
  store.close();
  expect(lines.some((l) => l.includes('Closed outages left open by an unclean stop'))).toBe(true);
  const db = new Database(file, { readonly: true });
  for (const [what, sql] of Object.entries(INCOMPLETE)) expect(db.prepare(sql).all(), what).toEqual([]);
  const ends = db.prepare('SELECT DISTINCT ended_by FROM outage ORDER BY ended_by').pluck().all();
  db.close();
  expect(ends).toEqual(['recovered', 'stopped']);
});
