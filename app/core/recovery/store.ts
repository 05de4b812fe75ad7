/**
 * The recovery DB: state transitions, outages and timeline events, on better-sqlite3 in WAL mode
 * with `synchronous=NORMAL` (a killed process loses no committed transaction). The records of one
 * batch are written in one transaction, so a kill at any moment leaves every outage with its
 * transition and its events, or none of them.
 *
 * **Retention**: {@link RecoveryStore.purge} drops what ended before the cut-off — events,
 * transitions and closed outages — except each destination's last transition before it, which
 * the reachability curve needs as its starting state. The tracker purges data older than
 * {@link RETENTION_MS} (30 days: the UI shows a week at most; a month leaves room to compare).
 *
 * **Lost records** (a batch that could not be written, e.g. on a full disk, and was dropped)
 * cannot leave the DB inconsistent for good: {@link RecoveryStore.write} skips the end of an
 * outage that is not open, and ends an open outage as `stopped` before starting another one for
 * the same destination, with a warning each time.
 *
 * **Unclean stop**: an outage still open when the DB is opened was left by a process that died;
 * {@link RecoveryStore.open} ends it as `stopped`, and puts every destination in state `none`, at
 * the last moment the tracker was known to run (its last checkpoint or record).
 */
import Database from 'better-sqlite3';
import type { RecoveryDistributionT, RecoveryEventT, RecoveryHistoryT, RecoveryQueryT } from '../../ipc';
import { createLogger, type Logger } from '../log';
import { recoveryStats } from './distribution';
import { reachabilitySamples, type StateChange } from './history';
import type { OutageEnd, RecoveryRecord } from './observation';
import { migrate, SCHEMA_VERSION } from './schema';

/** How long history is kept: 30 days. */
export const RETENTION_MS = 30 * 86_400_000;

/** Most outages and events one history carries (the API's bounds); the latest are kept. */
export const MAX_HISTORY_ROWS = 10_000;

/** Options of {@link RecoveryStore.open}. */
export interface RecoveryStoreOptions {
  /** Logger; a `recovery` scope by default. */
  logger?: Logger;
}

interface OutageRow {
  peer: string | null;
  start_at: number;
  end_at: number | null;
  ended_by: OutageEnd | null;
  cause: string;
}

interface EventRow {
  at: number;
  kind: RecoveryEventT['kind'];
  peer: string | null;
  detail: string;
  outage_ms: number | null;
}

/** Parameters of the range queries: `peer` null for the whole mesh. */
interface Range {
  from: number;
  to: number;
  peer: string | null;
}

/** Resolves a query against the clock: `to` defaults to now and never precedes `from`. */
function rangeOf(query: RecoveryQueryT, now: number): Range {
  return { from: query.from, to: Math.max(query.from, query.to ?? now), peer: query.peer ?? null };
}

/** The open recovery DB. */
export class RecoveryStore {
  private readonly statements;
  private readonly queries = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    private readonly log: Logger,
  ) {
    this.statements = {
      transition: db.prepare(
        'INSERT INTO transition (at, prefix, peer, state, cause) VALUES (@at, @prefix, @peer, @state, @cause)',
      ),
      outageStart: db.prepare(
        'INSERT INTO outage (prefix, peer, start_at, cause) VALUES (@prefix, @peer, @start, @cause)',
      ),
      outageEnd: db.prepare<[{ prefix: string | null; end: number; endedBy: OutageEnd }]>(
        `UPDATE outage SET end_at = max(start_at, @end), ended_by = @endedBy
         WHERE ifnull(prefix, '') = ifnull(@prefix, '') AND end_at IS NULL`,
      ),
      event: db.prepare(
        `INSERT INTO event (at, kind, peer, detail, outage_ms)
         VALUES (@at, @kind, @peer, @detail, @outageMs)`,
      ),
      checkpoint: db.prepare(
        'INSERT INTO checkpoint (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = max(at, excluded.at)',
      ),
    };
  }

  /**
   * Opens (creating it if needed) the DB in `file`, in WAL mode, migrates it to
   * {@link SCHEMA_VERSION}, and closes what an unclean stop left open.
   */
  static async open(file: string, options: RecoveryStoreOptions = {}): Promise<RecoveryStore> {
    const log = options.logger ?? createLogger({ scope: 'recovery' });
    return log.step(
      'Opening recovery DB',
      () => {
        const db = new Database(file);
        try {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('busy_timeout = 5000');
          const found = migrate(db);
          if (found !== SCHEMA_VERSION) log.info('Migrated recovery DB', { from: found, to: SCHEMA_VERSION });
          const store = new RecoveryStore(db, log);
          const closed = store.closeLeftOpen();
          if (closed > 0) log.warn('Closed outages left open by an unclean stop', { count: closed });
          return store;
        } catch (error) {
          db.close();
          throw error;
        }
      },
      { file },
    );
  }

  /**
   * Stores one batch of records, in order, in one transaction (see "lost records" above for how
   * it treats outages that do not match the DB).
   * @throws (writing nothing) when the DB refuses a record or cannot be written.
   */
  write(records: readonly RecoveryRecord[]): void {
    const s = this.statements;
    this.db.transaction(() => {
      for (const r of records) {
        if (r.type === 'transition') s.transition.run(r);
        else if (r.type === 'event') s.event.run(r.event);
        else if (r.type === 'outage-end') {
          if (s.outageEnd.run(r).changes === 0) this.mismatch('ended an outage that was not open', r.prefix);
        } else {
          const { prefix, start } = r;
          if (s.outageEnd.run({ prefix, end: start, endedBy: 'stopped' }).changes > 0) {
            this.mismatch('started an outage while one was open', prefix);
          }
          s.outageStart.run(r);
        }
      }
    })();
  }

  /** Records that the tracker was running at `at` (the end given to outages an unclean stop leaves open). */
  checkpoint(at: number): void {
    this.statements.checkpoint.run(at);
  }

  /**
   * Deletes events, transitions and closed outages from before `before`, keeping each
   * destination's last transition; returns the number of rows deleted.
   */
  purge(before: number): number {
    return this.db.transaction(
      () =>
        this.db.prepare('DELETE FROM event WHERE at < ?').run(before).changes +
        this.db.prepare('DELETE FROM outage WHERE end_at < ?').run(before).changes +
        this.db
          .prepare(
            `DELETE FROM transition WHERE at < @before AND seq NOT IN
               (SELECT max(seq) FROM transition WHERE at < @before GROUP BY prefix)`,
          )
          .run({ before }).changes,
    )();
  }

  /**
   * Reachability curve, outages and timeline for the query's range (`to` defaults to `now`).
   * For the mesh: the mesh's outages and every event; for a peer: its own outages and events, and
   * the suspends and resumes.
   */
  history(query: RecoveryQueryT, now: number): RecoveryHistoryT {
    const range = rangeOf(query, now);
    const mesh = range.peer === null;
    const peerFilter = mesh ? '' : 'AND peer = @peer';
    const baseline = this.query<StateChange>(
      `SELECT at, prefix, state FROM (
         SELECT at, prefix, state, row_number() OVER (PARTITION BY prefix ORDER BY at DESC, seq DESC) AS rn
         FROM transition WHERE at <= @from ${peerFilter}
       ) WHERE rn = 1`,
      range,
    );
    const changes = this.query<StateChange>(
      `SELECT at, prefix, state FROM transition WHERE at > @from AND at < @to ${peerFilter} ORDER BY at, seq`,
      range,
    );
    const outages = this.query<OutageRow>(
      `SELECT peer, start_at, end_at, ended_by, cause FROM outage
       WHERE ${mesh ? 'prefix IS NULL' : 'peer = @peer'} AND start_at < @to AND (end_at IS NULL OR end_at > @from)
       ORDER BY start_at DESC, id DESC LIMIT ${MAX_HISTORY_ROWS}`,
      range,
    );
    const events = this.query<EventRow>(
      `SELECT at, kind, peer, detail, outage_ms FROM event
       WHERE at >= @from AND at < @to ${mesh ? '' : "AND (peer = @peer OR kind IN ('suspended', 'resumed'))"}
       ORDER BY at DESC, seq DESC LIMIT ${MAX_HISTORY_ROWS}`,
      range,
    );
    return {
      ...range,
      reachability: reachabilitySamples(range.from, range.to, baseline, changes),
      outages: outages.reverse().map((o) => ({
        peer: o.peer,
        start: o.start_at,
        end: o.end_at,
        cause: o.cause,
        endedBy: o.ended_by,
      })),
      events: events.reverse().map((e) => ({
        at: e.at,
        kind: e.kind,
        peer: e.peer,
        detail: e.detail,
        outageMs: e.outage_ms,
      })),
    };
  }

  /** Distribution of the recovery times of the outages (of the mesh, or of a peer) that recovered in the range. */
  distribution(query: RecoveryQueryT, now: number): RecoveryDistributionT {
    const range = rangeOf(query, now);
    const rows = this.query<{ ms: number }>(
      `SELECT end_at - start_at AS ms FROM outage
       WHERE ${range.peer === null ? 'prefix IS NULL' : 'peer = @peer'}
         AND ended_by = 'recovered' AND end_at >= @from AND end_at <= @to`,
      range,
    );
    return recoveryStats(rows.map((r) => r.ms));
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  private mismatch(what: string, prefix: string | null): void {
    this.log.warn(`Recovery records ${what}; records were lost before`, { destination: prefix ?? 'mesh' });
  }

  /** Runs a read query, preparing it once. `@peer` is bound only when the SQL uses it. */
  private query<T>(sql: string, range: Range): T[] {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    const { peer, ...times } = range;
    return statement.all(sql.includes('@peer') ? { ...times, peer } : times) as T[];
  }

  /** Ends open outages and measurements at the last sign of life; returns the outages closed. */
  private closeLeftOpen(): number {
    return this.db.transaction((): number => {
      const { alive } = this.db
        .prepare<[], { alive: number | null }>(
          `SELECT max(at) AS alive FROM (
             SELECT at FROM checkpoint UNION ALL SELECT max(at) FROM transition
             UNION ALL SELECT max(at) FROM event UNION ALL SELECT max(start_at) FROM outage)`,
        )
        .get()!;
      if (alive === null) return 0;
      this.db
        .prepare(
          `INSERT INTO transition (at, prefix, peer, state, cause)
           SELECT @alive, prefix, peer, 'none', 'stopped' FROM transition
           WHERE seq IN (SELECT max(seq) FROM transition GROUP BY prefix) AND state != 'none'`,
        )
        .run({ alive });
      return this.db
        .prepare(
          `UPDATE outage SET end_at = max(start_at, @alive), ended_by = 'stopped' WHERE end_at IS NULL`,
        )
        .run({ alive }).changes;
    })();
  }
}
