/**
 * Versioned schemas for the engine's SQLite files (peer DB, recovery DB): an ordered, append-only
 * list of migrations and the one function that applies them. `PRAGMA user_version` holds the
 * version reached; the missing steps run in one immediate transaction, so a crash mid-migration
 * leaves the previous version intact and two processes never migrate at once.
 */
import type Database from 'better-sqlite3';

/** One schema step. */
export interface Migration {
  /** Version reached after this step (1, 2, …). */
  version: number;
  /** What the step does, for the log. */
  description: string;
  /** The SQL of the step. */
  sql: string;
}

/** The version a migration list ends at. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

/**
 * Brings `db` to the last version of `migrations` and returns the version it found.
 * @param what - the file's name for error messages, e.g. `peer DB`
 * @throws when the file was written by a newer version of vifibnet.
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[],
  what: string,
): number {
  const latest = latestVersion(migrations);
  const run = db.transaction((): number => {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > latest) {
      throw new Error(`${what} schema version ${found} is newer than this program's ${latest}`);
    }
    for (const step of migrations) {
      if (step.version <= found) continue;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
    return found;
  });
  return run.immediate();
}
