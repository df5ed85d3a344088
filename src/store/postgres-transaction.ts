/**
 * PostgreSQL plumbing shared by the adapter and its migrator: transactions on a pooled client,
 * advisory-lock keys, error classification and URL redaction for messages.
 */
import type { Pool, PoolClient } from 'pg';

/**
 * `pg_advisory_xact_lock` key held by every migration transaction, so concurrent starts apply each
 * migration once (and never race on `CREATE TABLE IF NOT EXISTS`).
 */
export const MIGRATION_LOCK_KEY = '5361766501';

/**
 * `pg_advisory_xact_lock` key taken first by every transaction that appends to the audit log. It
 * serializes audited writes, so audit `seq` values are allocated in commit order (a reader paging
 * with `afterSeq` never skips a row that commits later with a smaller seq) and decision
 * compare-and-sets never deadlock. Audited writes are rare (decisions, approvals), so the lock is cheap.
 */
export const AUDIT_LOCK_KEY = '5361766502';

/**
 * Runs `body` between BEGIN and COMMIT on one pooled client; ROLLBACK on any throw. While checked
 * out, the client has no listener of the pool: a connection the server ends between two statements
 * (a restart) would be an unhandled `error` event, which ends the process. It is recorded instead;
 * the statement in flight or the next one fails, and the client is destroyed on release.
 */
export async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onLost = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    // A client whose connection was lost, or whose ROLLBACK failed, is in an unknown state: release(error) destroys it.
    client.off('error', onLost);
    client.release(broken);
  }
}

/** SQLSTATE of a PostgreSQL error (`23505`), or undefined for other errors. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Whether an error means the database cannot be used right now (network, server shut down or
 * restarting, authentication, missing database, connect timeout) rather than a bad statement.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const state = sqlState(error);
  if (state !== undefined) return /^(08|28|57P0|3D000)/.test(state);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error/i.test(error.message);
}

/** `url` with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
