/**
 * Integration test of the PostgreSQL `StateStore` adapter against a real server: the shared contract
 * suite (one fresh database per test, all created under this run's prefix and dropped afterwards),
 * then PostgreSQL specifics: JSONB columns, the append-only audit log, migrations brought forward and
 * rolled back, the row lock that orders term claims against fenced writes, readiness when the server
 * drops connections, and unreachable or missing databases.
 *
 * The server comes from `SHIFTGUARD_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`,
 * a role allowed to create databases). Without a reachable server the suite is skipped with a warning,
 * except when `CI` is set: then this file fails, saying why.
 */
import { postgresDatabaseUrl, withPostgresAdmin, POSTGRES_ADMIN_URL, postgresUnreachableReason } from '../support/postgres-admin.js';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { T0, decisionInput, upgradeRecord } from '../../src/store/contract-fixtures.js';
import type { Migration } from '../../src/store/migrations/migration.js';
import { appliedPostgresMigrations } from '../../src/store/migrations/postgres-migrator.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations/postgres-migrations.js';
import { PostgresStateStore } from '../../src/store/postgres-state-store.js';
import type { PostgresStateStoreOptions } from '../../src/store/postgres-state-store.js';
import { describeStateStoreContract } from '../../src/store/state-store-contract.js';
import type { StateStoreHarness } from '../../src/store/state-store-contract.js';

const ADMIN_URL = POSTGRES_ADMIN_URL;
const RUN_PREFIX = `shiftguard_test_${process.pid}_${Date.now().toString(36)}`;
let databaseCount = 0;


const unreachable = await postgresUnreachableReason();
if (unreachable !== null) {
  const message = `PostgreSQL is unreachable at ${ADMIN_URL} (${unreachable}); start it (pg_ctlcluster <version> main start) or set SHIFTGUARD_TEST_POSTGRES_URL`;
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(`CI requires PostgreSQL for the state-store integration test: ${message}`);
  console.warn(`SKIPPED state-store-postgres integration test: ${message}`);
}

const admin = <T>(body: (client: pg.Client) => Promise<T>): Promise<T> => withPostgresAdmin(body, ADMIN_URL);

const databaseUrl = (name: string): string => postgresDatabaseUrl(name, ADMIN_URL);

/** A fresh, empty database of this run; returns its name and URL. */
async function freshDatabase(): Promise<{ name: string; url: string }> {
  const name = `${RUN_PREFIX}_${++databaseCount}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return { name, url: databaseUrl(name) };
}

async function dropDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Runs `body` on a pool of its own to database `url`, ended afterwards. */
async function withPool<T>(url: string, body: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    return await body(pool);
  } finally {
    await pool.end();
  }
}

async function postgresHarness(): Promise<StateStoreHarness> {
  const { name, url } = await freshDatabase();
  return {
    create: () => new PostgresStateStore({ url, nowMs: () => T0 }),
    schemaVersions: () => withPool(url, async (pool) => (await appliedPostgresMigrations(pool)).map((row) => row.version)),
    markFromFuture: () => withPool(url, async (pool) => {
      await pool.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [POSTGRES_MIGRATIONS.length + 1, 'from-the-future', T0]);
    }),
    destroy: () => dropDatabase(name),
  };
}

afterAll(async () => {
  if (unreachable !== null) return;
  const left = await admin((client) => client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${RUN_PREFIX}%`]));
  for (const row of left.rows) await dropDatabase(row.datname);
});

describe.skipIf(unreachable !== null)('PostgreSQL state store', () => {
  describeStateStoreContract('PostgreSQL', postgresHarness);

  describe('PostgreSQL specifics', () => {
    const opened: PostgresStateStore[] = [];
    const databases: string[] = [];
    afterAll(async () => {
      await Promise.all(opened.map((store) => store.close()));
      for (const name of databases) await dropDatabase(name);
    });
    async function openOn(options: Omit<PostgresStateStoreOptions, 'url'> = {}): Promise<{ store: PostgresStateStore; url: string }> {
      const { name, url } = await freshDatabase();
      databases.push(name);
      const store = new PostgresStateStore({ url, ...options });
      opened.push(store);
      await store.open();
      return { store, url };
    }

    it('stores payloads as JSONB and keeps the audit log append-only', async () => {
      const { store, url } = await openOn();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.createDecision(decisionInput('u1'));
      await withPool(url, async (pool) => {
        const types = await pool.query<{ column_name: string; data_type: string }>(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'decisions' AND column_name IN ('proposal', 'created_at_ms') ORDER BY column_name");
        expect(types.rows).toEqual([{ column_name: 'created_at_ms', data_type: 'bigint' }, { column_name: 'proposal', data_type: 'jsonb' }]);
        const jsonPath = await pool.query("SELECT proposal #>> '{after,baseDelayMs}' AS v FROM decisions");
        expect(jsonPath.rows).toEqual([{ v: '125' }]);
        for (const statement of ["UPDATE audit_log SET actor = 'mallory'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
          await expect(pool.query(statement)).rejects.toThrow('audit_log is append-only');
        }
      });
    });

    it('brings an old database forward, and rolls a failing migration back entirely', async () => {
      const { store, url } = await openOn();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.close();
      const broken: Migration = { version: POSTGRES_MIGRATIONS.length + 1, name: 'upgrades-note', sql: "ALTER TABLE upgrades ADD COLUMN note TEXT NOT NULL DEFAULT ''; CREATE TABLE t2 (x INTEGER NOT NUL)" };
      await expect(new PostgresStateStore({ url, migrations: [...POSTGRES_MIGRATIONS, broken] }).open()).rejects.toThrow(/syntax error/);
      await withPool(url, async (pool) => {
        expect((await appliedPostgresMigrations(pool)).map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
        expect((await pool.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'upgrades' AND column_name = 'note'")).rowCount).toBe(0);
      });
      const fixed: Migration = { ...broken, sql: "ALTER TABLE upgrades ADD COLUMN note TEXT NOT NULL DEFAULT ''" };
      const newer = new PostgresStateStore({ url, migrations: [...POSTGRES_MIGRATIONS, fixed] });
      opened.push(newer);
      await newer.open();
      expect(await newer.getUpgrade('u1')).toEqual(upgradeRecord('u1', T0));
      await newer.close();
      await expect(new PostgresStateStore({ url }).open()).rejects.toThrow(`schema version ${POSTGRES_MIGRATIONS.length + 1}, newer than this shiftguard knows (${POSTGRES_MIGRATIONS.length})`);
    });

    it('brings a database at schema version 3 forward to leadership terms; a version-3 shiftguard then refuses it', async () => {
      const { name, url } = await freshDatabase();
      databases.push(name);
      const v3 = POSTGRES_MIGRATIONS.slice(0, 3);
      const old = new PostgresStateStore({ url, migrations: v3 });
      opened.push(old);
      await old.open();
      await old.putUpgrade(upgradeRecord('u1', T0));
      const audit = await old.appendAudit({ atMs: T0, actor: 'alice', action: 'upgrade.registered', subject: 'upgrade/u1', details: {} });
      await old.close();
      const store = new PostgresStateStore({ url });
      opened.push(store);
      await store.open();
      expect(await store.getUpgrade('u1')).toEqual(upgradeRecord('u1', T0));
      expect(await store.currentLeaderTerm()).toBeNull();
      expect(await store.claimLeaderTerm('host-a', T0 + 1)).toEqual({ epoch: 1, holder: 'host-a', claimedAtMs: T0 + 1 });
      expect((await store.listAudit({ limit: 10 })).map((row) => row.action)).toEqual(['upgrade.registered', 'leader.elected']);
      expect((await store.listAudit({ limit: 10 }))[0]).toEqual(audit);
      await store.close();
      await withPool(url, async (pool) => {
        expect((await appliedPostgresMigrations(pool)).map((row) => row.name)).toContain('leader-terms');
        for (const statement of ["UPDATE leader_terms SET holder = 'mallory'", 'DELETE FROM leader_terms', 'TRUNCATE leader_terms']) {
          await expect(pool.query(statement)).rejects.toThrow('leader_terms is append-only');
        }
      });
      await expect(new PostgresStateStore({ url, migrations: v3 }).open()).rejects.toThrow('schema version 4, newer than this shiftguard knows (3)');
    });

    it('makes a fenced write wait for an uncommitted term claim on the leader_term row lock, then refuses it', async () => {
      const { store, url } = await openOn();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.claimLeaderTerm('host-a', T0);
      const claim = new pg.Client({ connectionString: url });
      await claim.connect();
      try {
        // A claim as another replica makes it, held open: it owns the row lock but not the audit lock.
        await claim.query('BEGIN');
        await claim.query('UPDATE leader_term SET epoch = epoch + 1');
        await claim.query("INSERT INTO leader_terms (epoch, holder, claimed_at_ms) VALUES (2, 'host-b', $1)", [T0 + 1]);
        const write = store.createDecision(decisionInput('u1', { leaderEpoch: 1 })).then(() => 'written', (error: unknown) => error);
        // Watched from outside the claim's transaction, whose view of pg_stat_activity stays frozen.
        await withPool(url, (pool) => vi.waitFor(async () => {
          const waiting = await pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%leader_term%FOR SHARE%'");
          expect(waiting.rowCount).toBe(1);
        }, { timeout: 10_000, interval: 20 }));
        await claim.query('COMMIT');
        expect(await write).toMatchObject({ code: 'stale_leader', staleEpoch: 1, currentEpoch: 2 });
        expect(await store.listDecisions()).toEqual([]);
      } finally {
        await claim.end();
      }
    });

    it('reports not ready while the server has dropped its connections, and ready again after a good query', async () => {
      const applicationName = `${RUN_PREFIX}_ready`;
      // One connection, so the one error event the test waits for is that of every pooled client.
      const { store } = await openOn({ applicationName, maxConnections: 1 });
      await store.listUpgrades();
      expect(store.ready()).toBe(true);
      await admin((client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]));
      await vi.waitFor(() => expect(store.ready()).toBe(false), { timeout: 10_000, interval: 20 });
      expect(await store.listUpgrades()).toEqual([]);
      expect(store.ready()).toBe(true);
    });

    it('refuses a missing database as unavailable', async () => {
      const store = new PostgresStateStore({ url: databaseUrl(`${RUN_PREFIX}_missing`) });
      await expect(store.open()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('does not exist') as string });
      expect(store.ready()).toBe(false);
    });
  });
});

describe('PostgreSQL state store without a server', () => {
  it('refuses an unreachable server as unavailable, without echoing the password', async () => {
    const store = new PostgresStateStore({ url: 'postgres://shiftguard:s3cret@127.0.0.1:1/shiftguard', connectTimeoutMs: 5_000 });
    const error: unknown = await store.open().then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as Error).message).toContain('PostgreSQL database postgres://shiftguard:***@127.0.0.1:1/shiftguard is unavailable: ');
    expect((error as Error).message).not.toContain('s3cret');
    expect(store.ready()).toBe(false);
  });
});
