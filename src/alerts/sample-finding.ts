/**
 * Test data: a finding as the state store returns it, shaped like the dten story's gateway latency
 * regression (CONTRACT §5 example). For the alert unit and integration tests only.
 */
import type { FindingRecord } from '../store/state-store.js';

/** 2026-04-10T12:06:00Z, when the sample finding opened. */
export const SAMPLE_OPENED_AT_MS = Date.parse('2026-04-10T12:06:00Z');

/** The p99 statistic of the sample finding; fields can be overridden. */
export function sampleStatistic(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'p99',
    baseline: 0.12,
    after: 0.18,
    relativeChange: 0.5,
    ci: [0.31, 0.72],
    pValue: 1.2e-9,
    qValue: 3.4e-9,
    test: 'block-bootstrap t-test',
    verdict: 'regression',
    ...overrides,
  };
}

/** An open regression finding of `latency {service=gateway,endpoint=/v1/route}`; fields can be overridden. */
export function sampleFinding(overrides: Partial<FindingRecord> = {}): FindingRecord {
  return {
    id: '1',
    upgradeId: 'dten-2026.04',
    signal: 'latency',
    labels: { service: 'gateway', endpoint: '/v1/route' },
    verdict: 'regression',
    statistics: [
      sampleStatistic({ name: 'p50', baseline: 0.05, after: 0.051, relativeChange: 0.02, ci: [-0.01, 0.05], pValue: 0.3, qValue: 0.4, verdict: 'no_change' }),
      sampleStatistic(),
    ],
    suspects: [
      { binary: 'dten-gateway', from: '4.2.1', to: '4.3.0', score: 0.93, evidence: ['shift began on each instance within 2m of its rollout'] },
      { binary: 'dten-sync', from: '1.0.0', to: '1.1.0', score: 0.05, evidence: ['no instance shifted near its rollout'] },
    ],
    openedAtMs: SAMPLE_OPENED_AT_MS,
    updatedAtMs: SAMPLE_OPENED_AT_MS,
    resolvedAtMs: null,
    ...overrides,
  };
}
