/**
 * The recovery DB's schema, as an ordered list of migrations. `PRAGMA user_version` holds the
 * version reached; {@link migrate} applies the missing steps (app/core/sqlite/migrations.ts).
 *
 * Tables:
 * - `transition`: every change of a destination's state (`up`, `down`, `none` = not measured),
 *   the source of the reachability curve;
 * - `outage`: one row per outage of a destination, or of the whole mesh (`prefix` NULL), with how
 *   it ended; at most one open outage per destination (a partial unique index);
 * - `event`: the timeline shown to the user;
 * - `checkpoint`: the last moment the tracker was known to be running, to close what an unclean
 *   stop left open.
 */
import type Database from 'better-sqlite3';
import { applyMigrations, latestVersion, type Migration } from '../sqlite/migrations';

/**
 * Every migration, in order. Append only: a shipped step is never edited, so the value lists in
 * its checks are spelled out (a new event kind or outage end needs a new step).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'transitions, outages, timeline events and the checkpoint',
    sql: `
      CREATE TABLE transition (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL CHECK (at >= 0),
        prefix TEXT NOT NULL,
        peer TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('up', 'down', 'none')),
        cause TEXT NOT NULL
      ) STRICT;
      CREATE INDEX transition_by_prefix ON transition (prefix, at);
      CREATE INDEX transition_by_peer ON transition (peer, at);
      CREATE INDEX transition_by_at ON transition (at);
      CREATE TABLE outage (
        id INTEGER PRIMARY KEY,
        prefix TEXT,
        peer TEXT,
        start_at INTEGER NOT NULL CHECK (start_at >= 0),
        end_at INTEGER,
        ended_by TEXT CHECK (ended_by IN ('recovered', 'suspended', 'stopped', 'forgotten')),
        cause TEXT NOT NULL,
        CHECK ((prefix IS NULL) = (peer IS NULL)),
        CHECK ((end_at IS NULL) = (ended_by IS NULL)),
        CHECK (end_at IS NULL OR end_at >= start_at)
      ) STRICT;
      CREATE UNIQUE INDEX outage_open ON outage (ifnull(prefix, '')) WHERE end_at IS NULL;
      CREATE INDEX outage_by_peer ON outage (peer, start_at);
      CREATE INDEX outage_by_end ON outage (end_at);
      CREATE TABLE event (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL CHECK (at >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('outage-started', 'tunnel-lost', 'route-switched', 'recovered',
                                         'suspended', 'resumed')),
        peer TEXT,
        detail TEXT NOT NULL,
        outage_ms INTEGER CHECK (outage_ms IS NULL OR outage_ms >= 0)
      ) STRICT;
      CREATE INDEX event_by_at ON event (at);
      CREATE INDEX event_by_peer ON event (peer, at);
      CREATE TABLE checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

/** The version this code reads and writes. */
export const SCHEMA_VERSION = latestVersion(MIGRATIONS);

/**
 * Brings `db` to {@link SCHEMA_VERSION} and returns the version it found.
 * @throws when the file was written by a newer version of vifibnet.
 */
export function migrate(db: Database.Database): number {
  return applyMigrations(db, MIGRATIONS, 'recovery DB');
}
