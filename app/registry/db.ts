/**
 * The registry database (better-sqlite3, WAL): schema and opening. Every change that spans
 * more than one statement runs in a transaction, so a kill -9 at any moment leaves either the
 * whole change or none of it.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** An open registry database. */
export type RegistryDb = Database.Database;

/** File name of the database inside the registry directory. */
export const DB_FILE = 'registry.db';

/** Schema version stored in `PRAGMA user_version`. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE config_versions (
  version INTEGER PRIMARY KEY,
  text TEXT NOT NULL,
  signature TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  email TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by TEXT,
  revoked_at INTEGER
) STRICT;
CREATE TABLE nodes (
  prefix TEXT PRIMARY KEY,
  unit INTEGER NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  token_id TEXT NOT NULL UNIQUE REFERENCES tokens(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY,
  prefix TEXT NOT NULL REFERENCES nodes(prefix) ON DELETE CASCADE,
  pem TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX certificates_by_prefix ON certificates(prefix);
CREATE TABLE peers (
  prefix TEXT PRIMARY KEY REFERENCES nodes(prefix) ON DELETE CASCADE,
  serial TEXT NOT NULL REFERENCES certificates(serial) ON DELETE CASCADE,
  payload TEXT NOT NULL,
  signature TEXT NOT NULL,
  record_time INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) STRICT;
`;

/**
 * Opens (with `create`, creates) the database in `dir`. The file is readable by its owner only:
 * it holds the CA key.
 */
export function openDb(dir: string, options: { create: boolean }): RegistryDb {
  const file = join(dir, DB_FILE);
  if (!options.create && !existsSync(file)) {
    throw new Error(`no registry in ${dir}: run \`vifibnet registry init --dir ${dir}\` first`);
  }
  const db = new Database(file);
  chmodSync(file, 0o600);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  if (db.pragma('user_version', { simple: true }) === 0) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
  return db;
}

/** Reads one `meta` value, or undefined. */
export function getMeta(db: RegistryDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

/** Writes one `meta` value. */
export function setMeta(db: RegistryDb, key: string, value: string): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}
