/**
 * The peer DB: every peer this node knows, keyed by prefix, on better-sqlite3 in WAL mode with
 * `synchronous=NORMAL` (a crashed or killed process loses no committed transaction; a power cut
 * may lose the last few, never consistency). Every change that touches more than one row runs
 * in one transaction, so a kill at any moment leaves a peer with all of its addresses or none.
 *
 * Liveness: each failed tunnel attempt counts; after {@link DEAD_AFTER_FAILURES} in a row the peer
 * is dead. Dead peers are offered only when no live one is left ({@link PeerDb.candidates}) and
 * are purged once enough live peers are known ({@link PeerDb.purgeDead}).
 */
import Database from 'better-sqlite3';
import { createLogger, type Logger } from '../log';
import {
  VerifiedPeerRecord,
  type Peer,
  type PeerAddressT,
  type VerifiedPeerRecordInput,
} from './peer-record';
import { migrate, SCHEMA_VERSION } from './schema';

/**
 * Consecutive failed tunnel attempts after which a peer is marked dead. Three: one failure is a
 * lost handshake, two can be a peer restarting; three attempts, made at successive refreshes,
 * mean the peer is gone or its addresses are stale, and the node stops spending slots on it
 * within three refresh periods. A success, or a record the peer signed after the last failure,
 * revives it.
 */
export const DEAD_AFTER_FAILURES = 3;

/** Default bound on the number of stored peers; beyond it the worst are evicted. */
export const DEFAULT_MAX_PEERS = 2_000;

/** Default number of live peers above which dead peers are purged (three times the 10 tunnels). */
export const DEFAULT_ENOUGH_LIVE_PEERS = 30;

/**
 * Eviction order when the DB holds more than `maxPeers` peers, first evicted first:
 * 1. dead peers;
 * 2. more consecutive failures;
 * 3. peers never connected to, before peers that once worked;
 * 4. among those that worked, the least recently successful;
 * 5. the least recently seen (oldest record arrival);
 * 6. the prefix, so the order is total and deterministic.
 * Peers this node currently has tunnels with succeeded recently and so are evicted last.
 */
const EVICTION_ORDER =
  'dead DESC, consecutive_failures DESC, (last_success IS NULL) DESC, last_success ASC, last_seen ASC, prefix ASC';

/**
 * Order of {@link PeerDb.candidates}, most promising first: fewer consecutive failures, then the
 * longest since the last failure (never failed first), then the most recently seen.
 */
const CANDIDATE_ORDER = 'consecutive_failures ASC, last_failure ASC NULLS FIRST, last_seen DESC, prefix ASC';

const PEER_COLUMNS = `prefix, record_json, record_timestamp, full, cert_serial, cert_expires_at, first_seen,
  last_seen, last_success, last_failure, consecutive_failures, dead,
  (SELECT json_group_array(json_object('host', host, 'port', port, 'protocol', protocol) ORDER BY position)
     FROM peer_address a WHERE a.prefix = peer.prefix) AS addresses`;

interface PeerRow {
  prefix: string;
  record_json: string;
  record_timestamp: number;
  full: number;
  cert_serial: string;
  cert_expires_at: number;
  first_seen: number;
  last_seen: number;
  last_success: number | null;
  last_failure: number | null;
  consecutive_failures: number;
  dead: number;
  addresses: string;
}

function toPeer(row: PeerRow): Peer {
  return {
    prefix: row.prefix,
    recordJson: row.record_json,
    recordTimestamp: row.record_timestamp,
    addresses: JSON.parse(row.addresses) as PeerAddressT[],
    full: row.full === 1,
    certSerial: row.cert_serial,
    certExpiresAt: row.cert_expires_at,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    lastSuccess: row.last_success,
    lastFailure: row.last_failure,
    consecutiveFailures: row.consecutive_failures,
    dead: row.dead === 1,
  };
}

/** What {@link PeerDb.upsert} did with a record. */
export type UpsertOutcome = 'inserted' | 'updated' | 'stale' | 'expired';

/** Result of storing a batch of records. */
export interface UpsertResult {
  /** One outcome per record, in input order. */
  outcomes: UpsertOutcome[];
  /** Prefixes evicted to stay within `maxPeers` (possibly including ones just inserted). */
  evicted: string[];
}

/** Peer totals. */
export interface PeerCounts {
  /** All stored peers. */
  total: number;
  /** Peers neither dead nor expired. */
  live: number;
  /** Peers marked dead. */
  dead: number;
}

/** Options of {@link PeerDb.open}. */
export interface PeerDbOptions {
  /** Most peers kept (default {@link DEFAULT_MAX_PEERS}). */
  maxPeers?: number;
  /** Clock in ms since the epoch, for tests. */
  now?: () => number;
  /** Logger; a `peers` scope by default. */
  logger?: Logger;
}

/** The open peer DB. */
export class PeerDb {
  private readonly now: () => number;
  private readonly maxPeers: number;
  private readonly statements;

  private constructor(
    private readonly db: Database.Database,
    private readonly log: Logger,
    options: PeerDbOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
    this.statements = {
      timestampOf: db.prepare<[string], { record_timestamp: number }>(
        'SELECT record_timestamp FROM peer WHERE prefix = ?',
      ),
      upsertPeer: db.prepare(`
        INSERT INTO peer (prefix, record_json, record_timestamp, full, cert_serial, cert_expires_at,
                          first_seen, last_seen)
        VALUES (@prefix, @recordJson, @timestamp, @full, @certSerial, @certExpiresAt, @now, @now)
        ON CONFLICT (prefix) DO UPDATE SET
          record_json = excluded.record_json,
          record_timestamp = excluded.record_timestamp,
          full = excluded.full,
          cert_serial = excluded.cert_serial,
          cert_expires_at = excluded.cert_expires_at,
          last_seen = excluded.last_seen,
          consecutive_failures = CASE WHEN last_failure IS NULL OR excluded.record_timestamp > last_failure
                                      THEN 0 ELSE consecutive_failures END,
          dead = CASE WHEN last_failure IS NULL OR excluded.record_timestamp > last_failure THEN 0 ELSE dead END`),
      deleteAddresses: db.prepare('DELETE FROM peer_address WHERE prefix = ?'),
      insertAddress: db.prepare(
        'INSERT INTO peer_address (prefix, position, host, port, protocol) VALUES (?, ?, ?, ?, ?)',
      ),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM peer'),
      evict: db.prepare<[number], { prefix: string }>(
        `DELETE FROM peer WHERE prefix IN (SELECT prefix FROM peer ORDER BY ${EVICTION_ORDER} LIMIT ?)
         RETURNING prefix`,
      ),
      get: db.prepare<[string], PeerRow>(`SELECT ${PEER_COLUMNS} FROM peer WHERE prefix = ?`),
      candidates: db.prepare<[{ dead: number; now: number; exclude: string; limit: number }], PeerRow>(
        `SELECT ${PEER_COLUMNS} FROM peer
         WHERE dead = @dead AND cert_expires_at > @now AND prefix NOT IN (SELECT value FROM json_each(@exclude))
         ORDER BY ${CANDIDATE_ORDER} LIMIT @limit`,
      ),
      success: db.prepare(
        'UPDATE peer SET last_success = @now, consecutive_failures = 0, dead = 0 WHERE prefix = @prefix',
      ),
      failure: db.prepare<[{ prefix: string; now: number }], { consecutive_failures: number; dead: number }>(
        `UPDATE peer SET last_failure = @now, consecutive_failures = consecutive_failures + 1,
           dead = (consecutive_failures + 1 >= ${DEAD_AFTER_FAILURES})
         WHERE prefix = @prefix RETURNING consecutive_failures, dead`,
      ),
      counts: db.prepare<[{ now: number }], PeerCounts>(
        `SELECT count(*) AS total, coalesce(sum(dead = 0 AND cert_expires_at > @now), 0) AS live,
           coalesce(sum(dead), 0) AS dead FROM peer`,
      ),
      purgeDead: db.prepare<[], { prefix: string }>('DELETE FROM peer WHERE dead = 1 RETURNING prefix'),
      purgeInvalid: db.prepare<[{ now: number; revoked: string }], { prefix: string }>(
        `DELETE FROM peer WHERE cert_expires_at <= @now
           OR cert_serial IN (SELECT lower(value) FROM json_each(@revoked)) RETURNING prefix`,
      ),
    };
  }

  /**
   * Opens (creating it if needed) the DB in `file`, in WAL mode, and migrates it to
   * {@link SCHEMA_VERSION}.
   */
  static async open(file: string, options: PeerDbOptions = {}): Promise<PeerDb> {
    const log = options.logger ?? createLogger({ scope: 'peers' });
    return log.step(
      'Opening peer DB',
      () => {
        const db = new Database(file);
        try {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('foreign_keys = ON');
          db.pragma('busy_timeout = 5000');
          const found = migrate(db);
          if (found !== SCHEMA_VERSION) log.info('Migrated peer DB', { from: found, to: SCHEMA_VERSION });
          return new PeerDb(db, log, options);
        } catch (error) {
          db.close();
          throw error;
        }
      },
      { file },
    );
  }

  /** Stores one verified record; see {@link PeerDb.upsertMany}. */
  upsert(record: VerifiedPeerRecordInput): UpsertResult {
    return this.upsertMany([record]);
  }

  /**
   * Stores verified records in one transaction. A record replaces the stored one only when its
   * timestamp is newer (`stale` otherwise); a record whose certificate has expired is not stored.
   * A newer record signed after the peer's last failure revives it (its failure count restarts).
   * Then evicts beyond `maxPeers` (see the eviction order above).
   * @throws a validation error, before writing anything, when any record is malformed.
   */
  upsertMany(records: readonly VerifiedPeerRecordInput[]): UpsertResult {
    const parsed = records.map((r) => VerifiedPeerRecord.parse(r));
    const s = this.statements;
    return this.db.transaction((): UpsertResult => {
      const now = this.now();
      const outcomes = parsed.map((r): UpsertOutcome => {
        if (r.certExpiresAt <= now) return 'expired';
        const stored = s.timestampOf.get(r.prefix);
        if (stored && stored.record_timestamp >= r.timestamp) return 'stale';
        s.upsertPeer.run({ ...r, full: r.full ? 1 : 0, certSerial: r.certSerial.toLowerCase(), now });
        s.deleteAddresses.run(r.prefix);
        r.addresses.forEach((a, i) => s.insertAddress.run(r.prefix, i, a.host, a.port, a.protocol));
        return stored ? 'updated' : 'inserted';
      });
      const excess = s.count.get()!.n - this.maxPeers;
      const evicted = excess > 0 ? s.evict.all(excess).map((row) => row.prefix) : [];
      if (evicted.length) this.log.info('Evicted peers beyond the size bound', { count: evicted.length });
      return { outcomes, evicted };
    })();
  }

  /** The stored peer with this prefix. */
  get(prefix: string): Peer | undefined {
    const row = this.statements.get.get(prefix);
    return row && toPeer(row);
  }

  /**
   * Peers to try connecting to, most promising first, skipping `exclude` (our own prefix and
   * peers already connected) and expired certificates. Live peers only; dead ones only when no
   * live one is left.
   */
  candidates(exclude: Iterable<string> = [], limit = -1): Peer[] {
    const query = { now: this.now(), exclude: JSON.stringify([...exclude]), limit };
    const live = this.statements.candidates.all({ ...query, dead: 0 });
    return (live.length ? live : this.statements.candidates.all({ ...query, dead: 1 })).map(toPeer);
  }

  /** Records that a tunnel to the peer came up: clears its failures and its dead flag. */
  recordSuccess(prefix: string): boolean {
    return this.statements.success.run({ prefix, now: this.now() }).changes > 0;
  }

  /**
   * Records a failed tunnel attempt; the peer becomes dead at {@link DEAD_AFTER_FAILURES} in a row.
   * Returns the new count and flag, or undefined for an unknown peer.
   */
  recordFailure(prefix: string): { consecutiveFailures: number; dead: boolean } | undefined {
    const row = this.statements.failure.get({ prefix, now: this.now() });
    if (!row) return undefined;
    if (row.consecutive_failures === DEAD_AFTER_FAILURES) this.log.info('Peer marked dead', { prefix });
    return { consecutiveFailures: row.consecutive_failures, dead: row.dead === 1 };
  }

  /** Totals of stored, live and dead peers. */
  counts(): PeerCounts {
    return this.statements.counts.get({ now: this.now() })!;
  }

  /** Deletes dead peers when at least `enoughLive` live peers are known; returns their prefixes. */
  purgeDead(enoughLive = DEFAULT_ENOUGH_LIVE_PEERS): string[] {
    const purged = this.db.transaction((): string[] =>
      this.counts().live >= enoughLive ? this.statements.purgeDead.all().map((r) => r.prefix) : [],
    )();
    if (purged.length) this.log.info('Purged dead peers', { count: purged.length });
    return purged;
  }

  /** Deletes peers whose certificate expired or whose serial is in `revokedSerials` (hex). */
  purgeInvalid(revokedSerials: Iterable<string> = []): string[] {
    const revoked = JSON.stringify([...revokedSerials]);
    const purged = this.statements.purgeInvalid.all({ now: this.now(), revoked }).map((r) => r.prefix);
    if (purged.length) this.log.info('Purged expired or revoked peers', { count: purged.length });
    return purged;
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
