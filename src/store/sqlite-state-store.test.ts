import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from './contract-fixtures.js';
import { appliedSqliteMigrations } from './migrations/sqlite-migrator.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite-migrations.js';
import type { Migration } from './migrations/migration.js';
import { openSqliteDatabase } from './sqlite-connection.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import { describeStateStoreContract } from './state-store-contract.js';
import type { StateStoreHarness } from './state-store-contract.js';

/** Runs `body` on a raw connection to the file, closed afterwards. */
function withRaw<T>(path: string, body: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path);
  try {
    return body(db);
  } finally {
    db.close();
  }
}

function sqliteHarness(): Promise<StateStoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'shiftguard-sqlite-'));
  const path = join(dir, 'state', 'shiftguard.db');
  return Promise.resolve({
    create: () => new SqliteStateStore({ path, nowMs: () => T0 }),
    schemaVersions: () => Promise.resolve(withRaw(path, (db) => appliedSqliteMigrations(db).map((row) => row.version))),
    markFromFuture: () => {
      withRaw(path, (db) => db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(SQLITE_MIGRATIONS.length + 1, 'from-the-future', T0));
      return Promise.resolve();
    },
    destroy: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

describeStateStoreContract('SQLite (temporary file)', sqliteHarness);

describe('SQLite state store specifics', () => {
  const dirs: string[] = [];
  const tempPath = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'shiftguard-sqlite-'));
    dirs.push(dir);
    return join(dir, 'deep', 'er', 'state.db');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file with its directory, in WAL mode, with synchronous=FULL, busy_timeout and foreign keys', () => {
    const path = tempPath();
    const db = openSqliteDatabase(path, 1234);
    try {
      expect(statSync(path).isFile()).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('reports a database that cannot be opened as unavailable, naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shiftguard-sqlite-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'x.db');
    const store = new SqliteStateStore({ path });
    await expect(store.open()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining(`cannot open SQLite database ${path}: `) as string });
    expect(store.ready()).toBe(false);
  });

  it('records each migration with its name and keeps the audit log append-only', async () => {
    const path = tempPath();
    const store = new SqliteStateStore({ path, nowMs: () => T0 });
    await store.open();
    await store.putUpgrade(upgradeRecord('u1', T0));
    await store.createDecision(decisionInput('u1'));
    await store.close();
    withRaw(path, (db) => {
      expect(db.prepare('SELECT * FROM schema_migrations').all()).toEqual(SQLITE_MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at_ms: T0 })));
      expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow('audit_log is append-only');
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow('audit_log is append-only');
    });
  });

  it('brings an old database forward with a later migration, keeping its data', async () => {
    const path = tempPath();
    const old = new SqliteStateStore({ path });
    await old.open();
    await old.putUpgrade(upgradeRecord('u1', T0));
    await old.close();
    const addColumn: Migration = { version: SQLITE_MIGRATIONS.length + 1, name: 'upgrades-note', sql: "ALTER TABLE upgrades ADD COLUMN note TEXT NOT NULL DEFAULT ''" };
    const newer = new SqliteStateStore({ path, migrations: [...SQLITE_MIGRATIONS, addColumn] });
    await newer.open();
    expect(await newer.getUpgrade('u1')).toEqual(upgradeRecord('u1', T0));
    await newer.close();
    withRaw(path, (db) => {
      expect(appliedSqliteMigrations(db).map((row) => row.name)).toEqual([...SQLITE_MIGRATIONS.map((m) => m.name), 'upgrades-note']);
      expect(db.prepare('SELECT note FROM upgrades').get()).toEqual({ note: '' });
    });
    await expect(new SqliteStateStore({ path }).open()).rejects.toThrow(`schema version ${SQLITE_MIGRATIONS.length + 1}, newer than this shiftguard knows (${SQLITE_MIGRATIONS.length})`);
  });

  it('brings a database at schema version 3 forward to leadership terms; a version-3 shiftguard then refuses it', async () => {
    const path = tempPath();
    const v3 = SQLITE_MIGRATIONS.slice(0, 3);
    const old = new SqliteStateStore({ path, migrations: v3 });
    await old.open();
    await old.putUpgrade(upgradeRecord('u1', T0));
    const audit = await old.appendAudit({ atMs: T0, actor: 'alice', action: 'upgrade.registered', subject: 'upgrade/u1', details: {} });
    await old.close();
    const store = new SqliteStateStore({ path });
    await store.open();
    expect(await store.getUpgrade('u1')).toEqual(upgradeRecord('u1', T0));
    expect(await store.currentLeaderTerm()).toBeNull();
    expect(await store.claimLeaderTerm('host-a', T0 + 1)).toEqual({ epoch: 1, holder: 'host-a', claimedAtMs: T0 + 1 });
    expect((await store.listAudit({ limit: 10 })).map((row) => row.seq)).toEqual([audit.seq, audit.seq + 1]);
    await store.close();
    withRaw(path, (db) => {
      expect(appliedSqliteMigrations(db).map((row) => row.name)).toContain('leader-terms');
      expect(() => db.prepare("UPDATE leader_terms SET holder = 'mallory'").run()).toThrow('leader_terms is append-only');
      expect(() => db.prepare('DELETE FROM leader_terms').run()).toThrow('leader_terms is append-only');
    });
    await expect(new SqliteStateStore({ path, migrations: v3 }).open()).rejects.toThrow('schema version 4, newer than this shiftguard knows (3)');
  });

  it('rolls a failing migration back entirely and applies it once fixed', async () => {
    const path = tempPath();
    const broken: Migration = { version: SQLITE_MIGRATIONS.length + 1, name: 'two-tables', sql: 'CREATE TABLE t1 (x INTEGER); CREATE TABLE t2 (x INTEGER NOT NUL)' };
    await expect(new SqliteStateStore({ path, migrations: [...SQLITE_MIGRATIONS, broken] }).open()).rejects.toThrow(/syntax error/);
    withRaw(path, (db) => {
      expect(appliedSqliteMigrations(db).map((row) => row.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('t1', 't2')").all()).toEqual([]);
    });
    const fixed: Migration = { ...broken, sql: 'CREATE TABLE t1 (x INTEGER); CREATE TABLE t2 (x INTEGER NOT NULL)' };
    const store = new SqliteStateStore({ path, migrations: [...SQLITE_MIGRATIONS, fixed] });
    await store.open();
    await store.close();
    withRaw(path, (db) => expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('t1', 't2') ORDER BY name").all()).toEqual([{ name: 't1' }, { name: 't2' }]));
  });

  it('refuses a database whose recorded migration name differs from the code', async () => {
    const path = tempPath();
    const first = new SqliteStateStore({ path });
    await first.open();
    await first.close();
    withRaw(path, (db) => db.prepare("UPDATE schema_migrations SET name = 'something-else' WHERE version = 1").run());
    await expect(new SqliteStateStore({ path }).open()).rejects.toThrow('migration 1 was applied as "something-else" but this shiftguard names it "initial-schema"');
  });

  it('works as a private in-memory database', async () => {
    const store = new SqliteStateStore({ path: ':memory:' });
    await store.open();
    await store.putUpgrade(upgradeRecord('u1', T0));
    expect(await store.listUpgrades()).toHaveLength(1);
    await store.close();
    await store.open();
    expect(await store.listUpgrades()).toEqual([]);
    await store.close();
  });
});
