/**
 * Chooses the `StateStore` adapter from the configuration's `store.url` (CONTRACT §3; env
 * `DATABASE_URL` overrides it during config loading).
 */
import { PostgresStateStore } from './postgres-state-store.js';
import { redactUrl } from './postgres-transaction.js';
import { SQLITE_MEMORY_PATH } from './sqlite-connection.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import { StoreError } from './store-error.js';
import type { StateStore } from './state-store.js';

/** Options passed through to the adapter. */
export interface StateStoreOptions {
  /** Clock stamping applied migrations (default `Date.now`). */
  readonly nowMs?: () => number;
}

const EXPECTED = 'sqlite:<path>, sqlite::memory: or postgres://… (postgresql://…)';

/**
 * The adapter `url` names, not yet opened:
 * - `sqlite:<path>`: SQLite file at `<path>` taken verbatim (relative to the working directory unless
 *   absolute; `sqlite:./data/shiftguard.db` is the default), created with its directory on open;
 * - `sqlite::memory:`: a private in-memory SQLite database (lost on close; for tests and demos);
 * - `postgres://…` or `postgresql://…`: PostgreSQL.
 * Anything else is `StoreError('invalid_store_url')` naming what was expected (password redacted).
 */
export function createStateStore(url: string, options: StateStoreOptions = {}): StateStore {
  const clock = options.nowMs === undefined ? {} : { nowMs: options.nowMs };
  if (url === 'sqlite::memory:') return new SqliteStateStore({ path: SQLITE_MEMORY_PATH, ...clock });
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) {
    return new SqliteStateStore({ path: url.slice('sqlite:'.length), ...clock });
  }
  if (/^postgres(ql)?:\/\/./.test(url)) return new PostgresStateStore({ url, ...clock });
  throw new StoreError('invalid_store_url', `store.url: expected ${EXPECTED}, got ${JSON.stringify(redactUrl(url))}`);
}

/**
 * Creates the adapter `url` names (see {@link createStateStore}) and opens it: connects, applies
 * pending migrations, and refuses (`StoreSchemaError`) a database newer than this code.
 */
export async function openStateStore(url: string, options: StateStoreOptions = {}): Promise<StateStore> {
  const store = createStateStore(url, options);
  await store.open();
  return store;
}
