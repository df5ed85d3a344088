/**
 * Applies pending migrations to a PostgreSQL database: each in its own transaction that first takes
 * the migration advisory lock and re-reads `schema_migrations`, so replicas starting together apply
 * each migration once; PostgreSQL DDL is transactional, so a failed migration leaves nothing behind.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction, MIGRATION_LOCK_KEY } from '../postgres-transaction.js';
import { checkMigrationList, pendingMigrations } from './migration.js';
import type { AppliedMigration, Migration } from './migration.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at_ms BIGINT NOT NULL
)`;

/**
 * Brings the database behind `pool` to the newest version of `migrations` and returns that version.
 * Throws `StoreSchemaError` (see `pendingMigrations`) for a database newer than the list; `label`
 * names the database in messages; `nowMs` stamps `applied_at_ms`.
 */
export async function migratePostgres(pool: Pool, migrations: readonly Migration[], label: string, nowMs: () => number): Promise<number> {
  checkMigrationList(migrations);
  let appliedOne = true;
  while (appliedOne) appliedOne = await inTransaction(pool, (client) => applyNext(client, migrations, label, nowMs));
  return migrations.length;
}

async function applyNext(client: PoolClient, migrations: readonly Migration[], label: string, nowMs: () => number): Promise<boolean> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await client.query(CREATE_TABLE);
  const applied = await client.query<AppliedMigration>('SELECT version, name FROM schema_migrations');
  const next = pendingMigrations(applied.rows, migrations, label)[0];
  if (next === undefined) return false;
  await client.query(next.sql);
  await client.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [next.version, next.name, nowMs()]);
  return true;
}

/** The rows of `schema_migrations`, oldest first (empty for a database never migrated). */
export async function appliedPostgresMigrations(pool: Pool): Promise<AppliedMigration[]> {
  const exists = await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (exists.rows[0]?.present !== true) return [];
  const result = await pool.query<AppliedMigration>('SELECT version, name FROM schema_migrations ORDER BY version');
  return result.rows;
}
