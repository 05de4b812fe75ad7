/**
 * The peer DB's schema, as an ordered list of migrations. `PRAGMA user_version` holds the version
 * reached; {@link migrate} applies the missing steps (app/core/sqlite/migrations.ts).
 */
import type Database from 'better-sqlite3';
import { applyMigrations, latestVersion, type Migration } from '../sqlite/migrations';

/** Every migration, in order. Append only: a shipped step is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'peers and their addresses',
    sql: `
      CREATE TABLE peer (
        prefix TEXT PRIMARY KEY NOT NULL,
        record_json TEXT NOT NULL,
        record_timestamp INTEGER NOT NULL,
        full INTEGER NOT NULL DEFAULT 0 CHECK (full IN (0, 1)),
        cert_serial TEXT NOT NULL,
        cert_expires_at INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_success INTEGER,
        last_failure INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX peer_by_cert_serial ON peer (cert_serial);
      CREATE TABLE peer_address (
        prefix TEXT NOT NULL REFERENCES peer (prefix) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 0),
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        protocol TEXT NOT NULL CHECK (protocol IN ('udp', 'tcp')),
        PRIMARY KEY (prefix, position)
      ) STRICT, WITHOUT ROWID;
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
  return applyMigrations(db, MIGRATIONS, 'peer DB');
}
