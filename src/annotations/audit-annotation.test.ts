import { describe, expect, it } from 'vitest';
import { createStoreUpgradeRegistry } from '../api/upgrade-registry.js';
import { MemoryStateStore } from '../store/memory-state-store.js';
import type { AuditEntry } from '../store/state-store.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { upgradeAnnotation } from './annotation-feed.js';
import { annotationOfAudit, registrySources } from './audit-annotation.js';
import type { AnnotationSources } from './audit-annotation.js';
import { GRAFANA_PUSHED_ACTION } from './grafana-cursor.js';

const T0 = Date.parse('2026-04-10T12:00:00Z');
const DOCUMENT = { id: 'dten-2026.04', startedAt: '2026-04-10T12:00:00Z', binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0' }] };

/** A store with one valid upgrade, one whose stored document is invalid, and a decision created, approved and applied. */
async function world() {
  const store = new MemoryStateStore();
  await store.open();
  const registry = createStoreUpgradeRegistry(store, () => T0);
  await registry.register({ document: DOCUMENT, upgrade: validateUpgrade(DOCUMENT, 'test'), registeredAtMs: T0 }, 'alice');
  await store.putUpgrade({ id: 'broken', document: { id: 'broken' }, registeredAtMs: T0, status: 'monitoring' });
  const created = await store.createDecision({ upgradeId: 'dten-2026.04', flag: 'dten.sync.backoff-v2', kind: 'toggle', proposal: {}, status: 'proposed', requestedBy: 'tuner', approvedBy: null, leaderEpoch: 1, atMs: T0 + 1 });
  const approved = await store.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 2, actor: 'alice', approvedBy: 'alice' }, 1);
  await store.transitionDecision(created.id, 'approved', 'applied', { atMs: T0 + 3, actor: 'tuner' }, approved.version);
  const sources = registrySources(registry, store);
  const rows = await store.listAudit({ limit: 100 });
  const row = (action: string): AuditEntry => {
    const found = rows.find((r) => r.action === action);
    if (found === undefined) throw new Error(`no ${action} row`);
    return found;
  };
  return { store, sources, row };
}

const entry = (action: string, subject: string, details: unknown = {}): AuditEntry => ({ seq: 99, atMs: T0, actor: 'x', action, subject, details });

describe('annotationOfAudit', () => {
  it('makes an upgrade registration the upgrade\'s annotation', async () => {
    const { sources, row } = await world();
    expect(await annotationOfAudit(row('upgrade.registered'), sources)).toEqual({ kind: 'annotation', annotation: upgradeAnnotation(validateUpgrade(DOCUMENT, 'test')) });
  });

  it('makes each decision row a point at its time, with the status and approver of that moment', async () => {
    const { sources, row } = await world();
    const said = async (action: string) => {
      const built = await annotationOfAudit(row(action), sources);
      return built.kind === 'annotation' ? [built.annotation.time - T0, built.annotation.title, built.annotation.text] : built;
    };
    expect(await said('decision.created')).toEqual([1, 'decision 1: dten.sync.backoff-v2 proposed', 'toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner']);
    expect(await said('decision.approved')).toEqual([2, 'decision 1: dten.sync.backoff-v2 approved', 'toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice']);
    expect(await said('decision.applied')).toEqual([3, 'decision 1: dten.sync.backoff-v2 applied', 'toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice']);
  });

  it('makes no annotation of leadership, settings, its own cursor moves or unknown decision actions', async () => {
    const { sources } = await world();
    for (const action of ['leader.elected', 'tuner.kill_switch.engaged', GRAFANA_PUSHED_ACTION, 'decision.bogus', 'upgrade.deleted']) {
      expect(await annotationOfAudit(entry(action, 'decision/1'), sources)).toEqual({ kind: 'none' });
    }
  });

  it('calls a row unbuildable when its record is gone, unnamed or invalid', async () => {
    const { sources } = await world();
    expect(await annotationOfAudit(entry('decision.kept', 'decision/42'), sources)).toEqual({ kind: 'unbuildable', reason: 'decision 42 is not in the decision log' });
    expect(await annotationOfAudit(entry('upgrade.registered', 'upgrade/gone'), sources)).toEqual({ kind: 'unbuildable', reason: 'upgrade gone is not registered' });
    expect(await annotationOfAudit(entry('upgrade.registered', 'upgrades'), sources)).toEqual({ kind: 'unbuildable', reason: 'audit row 99 names no upgrade (subject "upgrades")' });
    const broken = await annotationOfAudit(entry('upgrade.registered', 'upgrade/broken'), sources);
    expect(broken).toMatchObject({ kind: 'unbuildable', reason: expect.stringMatching(/^the stored upgrade.json of broken is invalid: invalid upgrade/) as string });
  });

  it('lets a store failure through (the row is tried again), rather than skipping the row', async () => {
    const { sources } = await world();
    const failing: AnnotationSources = { ...sources, upgradeOf: () => Promise.reject(new Error('connection terminated')) };
    await expect(annotationOfAudit(entry('upgrade.registered', 'upgrade/dten-2026.04'), failing)).rejects.toThrow('connection terminated');
  });
});
