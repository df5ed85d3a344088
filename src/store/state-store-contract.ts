/**
 * The one contract suite every `StateStore` adapter passes: the in-memory fake
 * (`memory-state-store.test.ts`), SQLite (`sqlite-state-store.test.ts`) and PostgreSQL
 * (`test/integration/state-store-postgres.test.ts`). Each test gets a fresh database from the
 * adapter's harness; stores it opens are closed and the database released after the test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeDecisionContract } from './decision-contract.js';
import { describeLeadershipContract } from './leadership-contract.js';
import { describeRecordContract } from './record-contract.js';
import { StoreSchemaError } from './store-error.js';
import type { StateStore } from './state-store.js';
import { T0, decisionInput, upgradeRecord } from './contract-fixtures.js';

/** One fresh database of an adapter under test. */
export interface StateStoreHarness {
  /** A new, unopened store on this database; each call is another connection to the same data. */
  create(): StateStore;
  /** Versions recorded in the database's `schema_migrations` (or the fake's equivalent), as stored. */
  schemaVersions(): Promise<number[]>;
  /** Records a schema version above the newest this code knows, as a newer shiftguard would. */
  markFromFuture(): Promise<void>;
  /** Releases the database (deletes its files, drops the PostgreSQL database). */
  destroy(): Promise<void>;
}

/** Makes a fresh database for one test. */
export type StateStoreHarnessFactory = () => Promise<StateStoreHarness>;

/** What the parts of the suite get: the running test's harness and a way to open stores on it. */
export interface ContractContext {
  harness(): StateStoreHarness;
  /** A new store on the test's database, opened; closed after the test. */
  openStore(): Promise<StateStore>;
  /** A new store on the test's database, not opened; closed after the test. */
  createStore(): StateStore;
}

/** Registers the contract suite for one adapter under `describe(name)`. */
export function describeStateStoreContract(name: string, factory: StateStoreHarnessFactory): void {
  describe(`StateStore contract: ${name}`, () => {
    let current: StateStoreHarness | undefined;
    const stores: StateStore[] = [];

    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await current?.destroy();
      current = undefined;
    });

    const context: ContractContext = {
      harness: () => {
        if (current === undefined) throw new Error('no harness: called outside a test');
        return current;
      },
      createStore: () => {
        const store = context.harness().create();
        stores.push(store);
        return store;
      },
      openStore: async () => {
        const store = context.createStore();
        await store.open();
        return store;
      },
    };

    describeLifecycleContract(context);
    describeRecordContract(context);
    describeDecisionContract(context);
    describeLeadershipContract(context);
  });
}

function describeLifecycleContract(context: ContractContext): void {
  describe('lifecycle and migrations', () => {
    it('is ready only between open and close, and refuses use when closed', async () => {
      const store = context.createStore();
      expect(store.ready()).toBe(false);
      await expect(store.getUpgrade('x')).rejects.toMatchObject({ code: 'not_open' });
      await Promise.all([store.open(), store.open()]);
      await store.open();
      expect(store.ready()).toBe(true);
      await store.close();
      await store.close();
      expect(store.ready()).toBe(false);
      await expect(store.listUpgrades()).rejects.toMatchObject({ code: 'not_open' });
      await expect(store.appendAudit({ atMs: T0, actor: 'a', action: 'b', subject: 'c', details: null })).rejects.toMatchObject({ code: 'not_open' });
    });

    it('keeps every kind of record across close and reopen, in another store too', async () => {
      const first = await context.openStore();
      const upgrade = await first.putUpgrade(upgradeRecord('dten-2026.04', T0));
      const { finding } = await first.upsertFinding({
        upgradeId: upgrade.id, signal: 'latency', labels: { service: 'gateway' }, verdict: 'regression',
        statistics: [{ name: 'p99', ci: [0.31, 0.72] }], suspects: [{ binary: 'dten-gateway', score: 0.93 }], atMs: T0 + 1,
      });
      const created = await first.createDecision(decisionInput(upgrade.id));
      const approved = await first.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 3, actor: 'alice', approvedBy: 'alice' }, 1);
      const audit = await first.listAudit({ limit: 100 });
      await first.close();

      await first.open();
      expect(await first.getDecision(created.id)).toEqual(approved);
      const second = await context.openStore();
      expect(await second.listUpgrades()).toEqual([upgrade]);
      expect(await second.listFindings()).toEqual([finding]);
      expect(await second.listDecisions()).toEqual([approved]);
      expect(await second.listAudit({ limit: 100 })).toEqual(audit);
      expect(audit.map((entry) => entry.action)).toEqual(['decision.created', 'decision.approved']);
    });

    it('applies each migration once, however often and concurrently the database is opened', async () => {
      await context.openStore();
      const versions = await context.harness().schemaVersions();
      expect(versions.length).toBeGreaterThan(0);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      const more = [context.createStore(), context.createStore(), context.createStore()];
      await Promise.all(more.map((store) => store.open()));
      await (await context.openStore()).putUpgrade(upgradeRecord('after-reopen', T0));
      expect(await context.harness().schemaVersions()).toEqual(versions);
      expect(await more[0]?.getUpgrade('after-reopen')).toMatchObject({ id: 'after-reopen' });
    });

    it('refuses to open a database written by a newer shiftguard', async () => {
      const writer = await context.openStore();
      await writer.putUpgrade(upgradeRecord('kept', T0));
      await writer.close();
      await context.harness().markFromFuture();
      const store = context.createStore();
      const error: unknown = await store.open().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(StoreSchemaError);
      expect(error).toMatchObject({ code: 'schema_mismatch' });
      expect((error as Error).message).toMatch(/schema version \d+, newer than this shiftguard knows \(\d+\)/);
      expect(store.ready()).toBe(false);
      await expect(store.getUpgrade('kept')).rejects.toMatchObject({ code: 'not_open' });
    });
  });
}
