/**
 * The test PostgreSQL (127.0.0.1:5432, trust auth, user postgres; `SHIFTGUARD_TEST_POSTGRES_URL`
 * overrides): whether it answers, for the skip-or-fail rule of the suites that need it.
 */
import pg from 'pg';

/** The maintenance database URL the suites create and drop their own databases from. */
export const POSTGRES_ADMIN_URL = process.env['SHIFTGUARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Null when PostgreSQL answers `SELECT 1`, else why it does not. */
export async function postgresUnreachableReason(url = POSTGRES_ADMIN_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `body` with a connection to the maintenance database (CREATE/DROP DATABASE), closed after. */
export async function withPostgresAdmin<T>(body: (client: pg.Client) => Promise<T>, url = POSTGRES_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** URL of database `name` on the admin URL's server. */
export function postgresDatabaseUrl(name: string, url = POSTGRES_ADMIN_URL): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
