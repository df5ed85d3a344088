/**
 * A small hand-written report (one group per verdict, NaN and Infinity where detection leaves
 * them) for the report formatter tests.
 */
import type { Report, ReportGroup, ReportStatistic } from '../../src/report/report.js';
import { summarize } from '../../src/report/report.js';

/** A latency statistic; every field can be overridden. */
export function reportStatistic(overrides: Partial<ReportStatistic> = {}): ReportStatistic {
  return {
    name: 'p99',
    baseline: 0.25,
    after: 0.4,
    relativeChange: 0.6,
    ci: [0.4, 0.8],
    pValue: 1e-6,
    qValue: 4e-6,
    test: 'block-bootstrap t-test',
    absoluteChange: 0.15,
    verdict: 'regression',
    design: 'before-after',
    ...overrides,
  };
}

/** A group; every field can be overridden. */
export function reportGroup(overrides: Partial<ReportGroup> = {}): ReportGroup {
  return {
    signal: 'latency',
    labels: { service: 'gateway' },
    verdict: 'no_change',
    statistics: [reportStatistic({ verdict: 'no_change', pValue: 0.4, qValue: 0.5, relativeChange: 0.01, ci: [-0.02, 0.04] })],
    onset: null,
    suspects: [],
    design: 'before-after',
    notes: [],
    instances: { upgraded: 3, controls: 0 },
    ...overrides,
  };
}

const REGRESSION = reportGroup({
  signal: 'latency',
  labels: { service: 'gateway', endpoint: '/v1/route|fast' },
  verdict: 'regression',
  statistics: [
    reportStatistic({ name: 'p50', verdict: 'no_change', pValue: 0.3, qValue: 0.4, relativeChange: 0.02, ci: [-0.01, 0.05], baseline: 0.05, after: 0.051 }),
    reportStatistic(),
  ],
  onset: '2026-04-01T12:07:00.000Z',
  suspects: [
    { binary: 'gateway', from: '2.3.0', to: '2.4.0', score: 0.93, evidence: ['shift began on each instance within 1m of its rollout (a +0m)', 'rollout times of gateway read from build-info'] },
    { binary: 'libfoo', from: null, to: '1.1', score: 0.04, evidence: ['shift onset vs rollout per instance: a +30m'] },
  ],
  notes: ['before-after comparison (no concurrent controls for long enough)'],
});

const IMPROVEMENT = reportGroup({
  signal: 'retries',
  labels: { service: 'billing' },
  verdict: 'improvement',
  statistics: [reportStatistic({ name: 'ratio', baseline: 0.012, after: 0.006, relativeChange: -0.5, ci: [-0.6, -0.4], verdict: 'improvement', qValue: 0.002 })],
});

const INCONCLUSIVE = reportGroup({
  signal: 'latency',
  labels: { service: 'search' },
  verdict: 'inconclusive',
  reason: 'only 3 baseline slices with data (need ≥ 5)',
  statistics: [
    reportStatistic({ verdict: 'inconclusive', relativeChange: NaN, ci: [NaN, NaN], pValue: NaN, qValue: NaN, absoluteChange: NaN, after: Infinity, test: 'not tested' }),
  ],
});

const UNCHANGED = reportGroup({ labels: {} });

/** A report with groups out of verdict order (no change first) and two warnings. */
export function sampleReport(): Report {
  const groups = [UNCHANGED, INCONCLUSIVE, IMPROVEMENT, REGRESSION];
  return {
    upgrade: 'dten-2026.04',
    package: 'dten 2026.04',
    generatedAt: '2026-04-01T14:00:00.000Z',
    windows: {
      baseline: { start: '2026-04-01T11:00:00.000Z', end: '2026-04-01T12:00:00.000Z' },
      after: { start: '2026-04-01T12:05:00.000Z', end: '2026-04-01T13:05:00.000Z' },
    },
    groups,
    summary: summarize(groups),
    warnings: ['3 counter resets', 'signal x: no series named x_bucket | y'],
    alpha: 0.01,
  };
}
