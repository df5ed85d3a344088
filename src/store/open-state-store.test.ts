import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { T0, upgradeRecord } from './contract-fixtures.js';
import { createStateStore, openStateStore } from './open-state-store.js';
import { PostgresStateStore } from './postgres-state-store.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import { StoreError } from './store-error.js';

describe('openStateStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('opens SQLite at a sqlite:<path> URL, creating the file and its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shiftguard-open-'));
    dirs.push(dir);
    const path = join(dir, 'data', 'shiftguard.db');
    const store = await openStateStore(`sqlite:${path}`);
    expect(store).toBeInstanceOf(SqliteStateStore);
    expect(store.ready()).toBe(true);
    await store.putUpgrade(upgradeRecord('u1', T0));
    await store.close();
    expect(existsSync(path)).toBe(true);
    const again = await openStateStore(`sqlite:${path}`);
    expect(await again.getUpgrade('u1')).toEqual(upgradeRecord('u1', T0));
    await again.close();
  });

  it('opens a private in-memory SQLite database for sqlite::memory:', async () => {
    const store = await openStateStore('sqlite::memory:');
    expect(store).toBeInstanceOf(SqliteStateStore);
    expect(await store.listUpgrades()).toEqual([]);
    await store.close();
  });

  it('chooses PostgreSQL for postgres:// and postgresql:// without connecting until opened', () => {
    for (const url of ['postgres://db.example/shiftguard', 'postgresql://u:p@db.example:5433/shiftguard?sslmode=require']) {
      const store = createStateStore(url);
      expect(store).toBeInstanceOf(PostgresStateStore);
      expect(store.ready()).toBe(false);
    }
  });

  it('refuses anything else with a clear error and the password redacted', async () => {
    const cases: [string, string][] = [
      ['mysql://u:hunter2@db/shiftguard', 'mysql://u:***@db/shiftguard'],
      ['sqlite:', 'sqlite:'],
      ['postgres://', 'postgres://'],
      ['./data/shiftguard.db', './data/shiftguard.db'],
      ['', ''],
    ];
    for (const [url, shown] of cases) {
      const error: unknown = await openStateStore(url).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({
        code: 'invalid_store_url',
        message: `store.url: expected sqlite:<path>, sqlite::memory: or postgres://… (postgresql://…), got ${JSON.stringify(shown)}`,
      });
    }
  });
});
