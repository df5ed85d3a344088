/**
 * Contract suite, part 2: upgrades and findings (see `state-store-contract.ts`).
 */
import { describe, expect, it } from 'vitest';
import { T0, findingUpdate, upgradeRecord } from './contract-fixtures.js';
import type { ContractContext } from './state-store-contract.js';
import { StoreConflictError, StoreNotFoundError } from './store-error.js';

/** Registers the upgrade and finding tests. */
export function describeRecordContract(context: ContractContext): void {
  describeUpgradeContract(context);
  describeFindingContract(context);
}

function describeUpgradeContract(context: ContractContext): void {
  describe('upgrades', () => {
    it('stores an upgrade document and returns copies of it', async () => {
      const store = await context.openStore();
      const record = upgradeRecord('dten-2026.04', T0);
      expect(await store.putUpgrade(record)).toEqual(record);
      const read = await store.getUpgrade('dten-2026.04');
      expect(read).toEqual(record);
      (read?.document as { id: string }).id = 'changed by the caller';
      expect(await store.getUpgrade('dten-2026.04')).toEqual(record);
      expect(await store.getUpgrade('unknown')).toBeNull();
      expect(await store.getUpgrade('nul\u0000')).toBeNull();
      expect(await store.listFindings({ upgradeId: 'nul\u0000' })).toEqual([]);
    });

    it('keeps settings with who set them, each change audited in the same write', async () => {
      const store = await context.openStore();
      expect(await store.getSetting('tuner.killSwitch')).toBeNull();
      const audit = { atMs: T0, actor: 'operator', action: 'tuner.kill_switch', subject: 'setting/tuner.killSwitch', details: { engaged: true } };
      const record = { key: 'tuner.killSwitch', value: { engaged: true, reason: 'incident 42' }, updatedAtMs: T0, updatedBy: 'operator' };
      expect(await store.putSetting(record, audit)).toEqual(record);
      const next = { ...record, value: { engaged: false }, updatedAtMs: T0 + 5 };
      await store.putSetting(next, { ...audit, atMs: T0 + 5, details: { engaged: false } });
      expect(await store.getSetting('tuner.killSwitch')).toEqual(next);
      expect((await store.listAudit({ limit: 10 })).map((r) => r.details)).toEqual([{ engaged: true }, { engaged: false }]);
      await expect(store.putSetting({ ...record, updatedBy: '' }, audit)).rejects.toThrow(/setting\.updatedBy/);
      expect(await store.getSetting('nul\u0000')).toBeNull();
    });

    it('writes a registration and its audit row together, and neither on a conflict', async () => {
      const store = await context.openStore();
      const audit = { atMs: T0, actor: 'operator', action: 'upgrade.registered', subject: 'upgrade/dten-2026.04', details: {} };
      await store.putUpgrade(upgradeRecord('dten-2026.04', T0), audit);
      await expect(store.putUpgrade(upgradeRecord('dten-2026.04', T0 + 1), { ...audit, atMs: T0 + 1 })).rejects.toBeInstanceOf(StoreConflictError);
      const rows = await store.listAudit({ limit: 100 });
      expect(rows.map((r) => ({ atMs: r.atMs, action: r.action, subject: r.subject }))).toEqual([{ atMs: T0, action: 'upgrade.registered', subject: 'upgrade/dten-2026.04' }]);
      expect((await store.getUpgrade('dten-2026.04'))?.registeredAtMs).toBe(T0);
    });

    it('stores, replaces and returns the final report of an upgrade', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('dten-2026.04', T0));
      expect(await store.getReport('dten-2026.04')).toBeNull();
      const report = { upgrade: 'dten-2026.04', groups: [{ signal: 'latency', labels: { service: 'gateway' }, verdict: 'regression' }], alpha: 0.01 };
      expect(await store.putReport('dten-2026.04', report, T0 + 10)).toEqual({ upgradeId: 'dten-2026.04', report, generatedAtMs: T0 + 10 });
      const replaced = { ...report, groups: [] };
      await store.putReport('dten-2026.04', replaced, T0 + 20);
      expect(await store.getReport('dten-2026.04')).toEqual({ upgradeId: 'dten-2026.04', report: replaced, generatedAtMs: T0 + 20 });
      await expect(store.putReport('unknown', report, T0)).rejects.toBeInstanceOf(StoreNotFoundError);
      expect(await store.getReport('unknown')).toBeNull();
      expect(await store.getReport('nul\u0000')).toBeNull();
    });

    it('refuses a duplicate id with a conflict and keeps the first registration', async () => {
      const store = await context.openStore();
      const first = await store.putUpgrade(upgradeRecord('dten-2026.04', T0));
      const again = { ...upgradeRecord('dten-2026.04', T0 + 5), document: { id: 'other' } };
      await expect(store.putUpgrade(again)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.putUpgrade(again)).rejects.toThrow('upgrade "dten-2026.04" is already registered');
      expect(await store.listUpgrades()).toEqual([first]);
    });

    it('lists upgrades by registration time, then id, and changes their status', async () => {
      const store = await context.openStore();
      for (const [id, atMs] of [['b', T0 + 2], ['a', T0 + 2], ['c', T0 + 1]] as const) await store.putUpgrade(upgradeRecord(id, atMs));
      expect((await store.listUpgrades()).map((u) => u.id)).toEqual(['c', 'a', 'b']);
      expect(await store.setUpgradeStatus('a', 'finished')).toMatchObject({ id: 'a', status: 'finished' });
      expect(await store.getUpgrade('a')).toMatchObject({ status: 'finished' });
      await expect(store.setUpgradeStatus('zzz', 'finished')).rejects.toBeInstanceOf(StoreNotFoundError);
      await expect(store.setUpgradeStatus('a', 'paused' as 'finished')).rejects.toMatchObject({ code: 'invalid_record' });
    });

    it('refuses a payload that would not survive JSON, naming its path, and writes nothing', async () => {
      const store = await context.openStore();
      const bad = { ...upgradeRecord('bad', T0), document: { stats: [1, Number.NaN] } };
      await expect(store.putUpgrade(bad)).rejects.toMatchObject({ code: 'invalid_record', message: 'upgrade.document.stats[1]: expected a finite number, got NaN' });
      await expect(store.putUpgrade({ ...bad, document: { when: new Date(T0) } })).rejects.toThrow('upgrade.document.when: expected a plain object, got Date');
      const good = upgradeRecord('good', T0);
      await expect(store.putUpgrade({ ...good, id: 'nul\u0000' })).rejects.toThrow('upgrade.id: string contains a NUL character');
      await expect(store.putUpgrade({ ...good, id: 'lone\uD800' })).rejects.toThrow('upgrade.id: string contains a lone UTF-16 surrogate');
      await expect(store.putUpgrade({ ...good, registeredAtMs: 1.5 })).rejects.toThrow('upgrade.registeredAtMs: expected epoch milliseconds');
      expect(await store.listUpgrades()).toEqual([]);
      const dropped = await store.putUpgrade({ ...good, document: { kept: 1, dropped: undefined } });
      expect(Object.keys(dropped.document as object)).toEqual(['kept']);
    });
  });
}

function describeFindingContract(context: ContractContext): void {
  describe('findings', () => {
    it('opens one finding per key and updates it while open, whatever the label order', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const opened = await store.upsertFinding(findingUpdate('u1', { service: 'gateway', endpoint: '/v1/route' }, T0 + 10));
      expect(opened.opened).toBe(true);
      expect(opened.finding).toMatchObject({ upgradeId: 'u1', signal: 'latency', openedAtMs: T0 + 10, updatedAtMs: T0 + 10, resolvedAtMs: null });
      const updated = await store.upsertFinding({ ...findingUpdate('u1', { endpoint: '/v1/route', service: 'gateway' }, T0 + 20, 0.2), verdict: 'inconclusive' });
      expect(updated.opened).toBe(false);
      expect(updated.finding).toMatchObject({ id: opened.finding.id, openedAtMs: T0 + 10, updatedAtMs: T0 + 20, verdict: 'inconclusive' });
      expect(updated.finding.statistics).toEqual(findingUpdate('u1', {}, 0, 0.2).statistics);
      expect(await store.listFindings()).toEqual([updated.finding]);
    });

    it('gives the next new finding the next id, however often the open one was updated', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const first = (await store.upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0))).finding;
      for (let look = 1; look <= 20; look++) await store.upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0 + look));
      const second = (await store.upsertFinding(findingUpdate('u1', { service: 'sync' }, T0 + 21))).finding;
      expect(Number(second.id)).toBe(Number(first.id) + 1);
    });

    it('keeps separate findings per upgrade, signal and labels, and filters them', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.putUpgrade(upgradeRecord('u2', T0 + 1));
      const a = (await store.upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0))).finding;
      const b = (await store.upsertFinding(findingUpdate('u1', { service: 'sync' }, T0))).finding;
      const c = (await store.upsertFinding({ ...findingUpdate('u1', { service: 'gateway' }, T0), signal: 'retries' })).finding;
      const d = (await store.upsertFinding(findingUpdate('u2', { service: 'gateway' }, T0))).finding;
      expect(new Set([a.id, b.id, c.id, d.id]).size).toBe(4);
      const resolvedB = await store.resolveFinding(b.id, T0 + 50);
      expect(await store.listFindings()).toEqual([a, resolvedB, c, d]);
      expect(await store.listFindings({ upgradeId: 'u1' })).toEqual([a, resolvedB, c]);
      expect(await store.listFindings({ open: true })).toEqual([a, c, d]);
      expect(await store.listFindings({ upgradeId: 'u1', open: false })).toEqual([resolvedB]);
    });

    it('opens a new finding for a key whose finding was resolved; resolving twice keeps the first time', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const first = (await store.upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0))).finding;
      const resolved = await store.resolveFinding(first.id, T0 + 30);
      expect(resolved).toEqual({ ...first, resolvedAtMs: T0 + 30 });
      expect(await store.resolveFinding(first.id, T0 + 99)).toEqual(resolved);
      const again = await store.upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0 + 60));
      expect(again.opened).toBe(true);
      expect(Number(again.finding.id)).toBeGreaterThan(Number(first.id));
      expect(await store.listFindings({ open: true })).toEqual([again.finding]);
    });

    it('refuses findings of unknown upgrades and unknown finding ids', async () => {
      const store = await context.openStore();
      await expect(store.upsertFinding(findingUpdate('nope', { service: 'gateway' }, T0))).rejects.toBeInstanceOf(StoreNotFoundError);
      for (const id of ['1', '01', 'x', '-1', '99999999999999999999']) {
        await expect(store.resolveFinding(id, T0)).rejects.toBeInstanceOf(StoreNotFoundError);
      }
      await store.putUpgrade(upgradeRecord('u1', T0));
      await expect(store.upsertFinding({ ...findingUpdate('u1', { service: 'gateway' }, T0), verdict: 'bad' as 'regression' }))
        .rejects.toThrow('finding.verdict: expected one of regression|improvement|no_change|inconclusive, got "bad"');
      await expect(store.upsertFinding(findingUpdate('u1', { service: 7 as unknown as string }, T0))).rejects.toThrow('finding.labels.service: expected a string');
      expect(await store.listFindings()).toEqual([]);
    });

    it('opens exactly one finding when several writers report the same new key at once', async () => {
      const [a, b] = [await context.openStore(), await context.openStore()];
      await a.putUpgrade(upgradeRecord('u1', T0));
      const writes = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).upsertFinding(findingUpdate('u1', { service: 'gateway' }, T0 + i)));
      const results = await Promise.all(writes);
      expect(results.filter((r) => r.opened)).toHaveLength(1);
      expect(new Set(results.map((r) => r.finding.id)).size).toBe(1);
      expect(await a.listFindings({ open: true })).toHaveLength(1);
    });
  });
}
