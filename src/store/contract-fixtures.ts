/**
 * Records the state-store contract suite (and the SQLite crash writer) writes: small, fixed, and
 * shaped like what the service stores (an upgrade.json document, report statistics, a tuner proposal).
 */
import type { FindingUpdate, NewDecision, UpgradeRecord } from './state-store.js';

/** 2026-04-10T12:00:00Z, the contract's example upgrade start, in epoch ms. */
export const T0 = Date.UTC(2026, 3, 10, 12, 0, 0);

/** A registered upgrade `id` at `registeredAtMs`, with a nested upgrade.json document. */
export function upgradeRecord(id: string, registeredAtMs: number): UpgradeRecord {
  return {
    id,
    registeredAtMs,
    status: 'monitoring',
    document: {
      id,
      startedAt: '2026-04-10T12:00:00Z',
      binaries: [{ name: 'dten-sync', from: '4.2.1', to: '4.3.0', rollout: [{ instance: 'sync-1', at: '2026-04-10T12:05:00Z' }] }],
      configChanges: [{ key: 'dten.hybrid.enable', from: null, to: 'true' }],
      flags: [{ name: 'dten.sync.backoff-v2', binary: 'dten-sync' }],
    },
  };
}

/** A proposed `tune` decision on `dten.sync.backoff` for `upgradeId`, with `overrides` applied. */
export function decisionInput(upgradeId: string, overrides: Partial<NewDecision> = {}): NewDecision {
  return {
    upgradeId,
    flag: 'dten.sync.backoff',
    kind: 'tune',
    proposal: {
      action: 'tune',
      before: { baseDelayMs: 100, multiplier: 2 },
      after: { baseDelayMs: 125, multiplier: 2 },
      prediction: { retriesRatio: { before: 0.08, after: 0.05 } },
      evidence: ['retries of dten-sync rose from 2% to 8% within 2m of its rollout'],
    },
    status: 'proposed',
    requestedBy: 'tuner',
    approvedBy: null,
    leaderEpoch: 1,
    atMs: T0 + 2,
    ...overrides,
  };
}

/** A `latency` regression of `upgradeId` for the group `labels`, seen at `atMs`. */
export function findingUpdate(upgradeId: string, labels: Record<string, string>, atMs: number, p99After = 0.18): FindingUpdate {
  return {
    upgradeId,
    signal: 'latency',
    labels,
    verdict: 'regression',
    statistics: [{ name: 'p99', baseline: 0.12, after: p99After, relativeChange: p99After / 0.12 - 1, ci: [0.31, 0.72], pValue: 1.2e-9 }],
    suspects: [{ binary: 'dten-gateway', from: '4.2.1', to: '4.3.0', score: 0.93, evidence: ['shift began within 2m of rollout'] }],
    atMs,
  };
}
