/**
 * Applies pending migrations to a SQLite database: each in its own `BEGIN IMMEDIATE` transaction that
 * re-reads `schema_migrations` under the write lock, so two processes starting together apply each
 * migration once, and a migration that fails leaves neither its changes nor its row behind.
 */
import type { Database } from 'better-sqlite3';
import { checkMigrationList, pendingMigrations } from './migration.js';
import type { AppliedMigration, Migration } from './migration.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at_ms INTEGER NOT NULL
) STRICT`;

/**
 * Brings `db` to the newest version of `migrations` and returns that version. Throws
 * `StoreSchemaError` (see `pendingMigrations`) for a database newer than the list; `label` names the
 * database in messages; `nowMs` stamps `applied_at_ms`.
 */
export function migrateSqlite(db: Database, migrations: readonly Migration[], label: string, nowMs: () => number): number {
  checkMigrationList(migrations);
  db.exec(CREATE_TABLE);
  const applyNext = db.transaction((): boolean => {
    const applied = db.prepare('SELECT version, name FROM schema_migrations').all() as AppliedMigration[];
    const next = pendingMigrations(applied, migrations, label)[0];
    if (next === undefined) return false;
    db.exec(next.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(next.version, next.name, nowMs());
    return true;
  });
  let appliedOne = true;
  while (appliedOne) appliedOne = applyNext.immediate();
  return migrations.length;
}

/** The rows of `schema_migrations`, oldest first (empty for a database never migrated). */
export function appliedSqliteMigrations(db: Database): AppliedMigration[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return [];
  return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as AppliedMigration[];
}
