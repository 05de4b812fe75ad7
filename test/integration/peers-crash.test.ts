import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createLogger } from '../../app/core/log';
import { PeerDb } from '../../app/core/peers/peer-db';

/**
 * A writer process is killed with SIGKILL in the middle of a burst of transactions; the DB must
 * reopen intact, with every batch either wholly present or wholly absent.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BATCH = 50;

/**
 * The writer: batch `b` inserts 50 new peers (origin b, 3 addresses each) and re-signs the 50
 * peers of batch b-1 with new addresses, in one transaction, then prints `b` once committed.
 */
const WRITER = `
import { PeerDb } from ${JSON.stringify(join(ROOT, 'app/core/peers/peer-db.ts'))};
const db = await PeerDb.open(process.env.VFB_DB, { maxPeers: 1e9 });
const record = (origin, i, rev) => {
  const addresses = [0, 1, 2].map((k) => ({ host: '198.51.100.' + k, port: 1000 + rev * 3 + k, protocol: 'udp' }));
  return {
    prefix: 'fd00:' + origin.toString(16) + ':' + i.toString(16) + '::/64',
    recordJson: JSON.stringify({ origin, rev, addresses }),
    timestamp: 1e12 + rev,
    addresses,
    certSerial: 'ab' + origin,
    certExpiresAt: 8e15,
  };
};
for (let b = Number(process.env.VFB_START); ; b++) {
  const fresh = Array.from({ length: ${BATCH} }, (_, i) => record(b, i, b));
  const resigned = b > 0 ? Array.from({ length: ${BATCH} }, (_, i) => record(b - 1, i, b)) : [];
  db.upsertMany([...fresh, ...resigned]);
  process.stdout.write(b + '\\n');
}
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vfb-peers-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer from batch `start` and kills it with SIGKILL once `commits` batches were reported. */
async function writeUntilKilled(file: string, start: number, commits: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER], {
    cwd: ROOT,
    env: { ...process.env, VFB_DB: file, VFB_START: String(start), VIFIBNET_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let last = start - 1;
  for await (const line of createInterface({ input: child.stdout })) {
    last = Number(line);
    if (last >= start + commits - 1) {
      child.kill('SIGKILL');
      break;
    }
  }
  expect(await exited).toBe('SIGKILL');
  return last;
}

function checkConsistent(file: string, lastReported: number): number {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const origins = db
      .prepare(
        `SELECT json_extract(record_json, '$.origin') AS origin, count(*) AS peers,
                count(DISTINCT json_extract(record_json, '$.rev')) AS revs
         FROM peer GROUP BY origin ORDER BY origin`,
      )
      .all() as { origin: number; peers: number; revs: number }[];
    const committed = origins.length - 1;
    // Every batch the writer reported is there (it may have committed more before the kill landed).
    expect(committed).toBeGreaterThanOrEqual(lastReported);
    expect(origins.map((o) => o.origin)).toEqual(Array.from({ length: committed + 1 }, (_, i) => i));
    expect(origins.filter((o) => o.peers !== BATCH || o.revs !== 1)).toEqual([]);
    const mismatched = db
      .prepare(
        `SELECT p.prefix FROM peer p WHERE json_extract(p.record_json, '$.addresses') IS NOT
           (SELECT json_group_array(json_object('host', host, 'port', port, 'protocol', protocol) ORDER BY position)
            FROM peer_address a WHERE a.prefix = p.prefix)`,
      )
      .all();
    expect(mismatched).toEqual([]);
    return committed;
  } finally {
    db.close();
  }
}

test('a writer killed with SIGKILL mid-burst leaves an intact DB with no partial batch, three times over', async () => {
  const file = join(dir, 'peers.db');
  let next = 0;
  for (const commits of [5, 17, 40]) {
    const reported = await writeUntilKilled(file, next, commits);
    next = checkConsistent(file, reported) + 1;
  }
  const db = await PeerDb.open(file, { logger: createLogger({ scope: 'peers', sink: () => undefined }) });
  expect(db.counts().total).toBe(next * BATCH);
  db.close();
});
