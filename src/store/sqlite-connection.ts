/**
 * Opens the SQLite database of the store with the settings its durability promise rests on.
 *
 * Durability: `journal_mode=WAL` (readers never block the single writer) with `synchronous=FULL` for
 * the whole connection. The pragma is per connection, not per transaction: switching to FULL around
 * decision/approval/audit writes and back to NORMAL elsewhere would need two extra statements around
 * every such transaction, must happen outside any transaction, and a throw in between leaves the
 * connection at the wrong level. The saving would be small, because this database only holds control
 * state (upgrades, findings, decisions, audit; samples live in the series store): a FULL commit costs
 * one fsync of the WAL, a few ms, a few times per detection cycle. So every commit is durable, also
 * against power loss or an OS crash (NORMAL in WAL mode only survives a process crash).
 *
 * Writes use `BEGIN IMMEDIATE`, so concurrent writers (another process on the same file) wait up to
 * `busy_timeout` for the lock instead of failing when a read transaction tries to become a write one.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { StoreError } from './store-error.js';

/** The path better-sqlite3 (and `sqlite::memory:`) uses for a private in-memory database. */
export const SQLITE_MEMORY_PATH = ':memory:';

/** Database file used when none is given (the configuration's default `store.url` is `sqlite:` + this). */
export const DEFAULT_SQLITE_PATH = './data/shiftguard.db';

/** Default wait for another connection's write lock, in ms. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating the file and its directory when missing) the database at `path`, or a private
 * in-memory one for {@link SQLITE_MEMORY_PATH}, and applies WAL, `synchronous=FULL`, `busy_timeout`
 * (`busyTimeoutMs`, ms) and foreign keys. Failures are `StoreError('unavailable')` naming the path.
 */
export function openSqliteDatabase(path: string, busyTimeoutMs: number): Database {
  let db: Database | undefined;
  try {
    if (path !== SQLITE_MEMORY_PATH) mkdirSync(dirname(path), { recursive: true });
    db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError('unavailable', `cannot open SQLite database ${path}: ${reason}`, { cause: error });
  }
}
