import { describe, expect, it } from 'vitest';
import { createSeriesStore } from './series-store.js';
import type { IngestSeries, RawSeries } from './model.js';
import { counterIncrements } from './counter-increments.js';
import { dtenStory } from '../sim/scenarios.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';

const MINUTE = 60_000;
const story = dtenStory(1);
const fleet = simulateFleet(story.scenario);
const END_MS = Date.parse('2026-04-10T13:46:00Z');

function asIngest(s: RawSeries, mode: 'cumulative' | 'delta'): IngestSeries {
  const gauge = s.name.endsWith('_info');
  if (gauge || mode === 'cumulative') return { name: s.name, labels: s.labels, temporality: gauge ? 'gauge' : 'cumulative', timestampsMs: [...s.timestampsMs], values: [...s.values] };
  const values = [...s.values].map((v, i) => {
    const prev = i === 0 ? NaN : (s.values[i - 1] ?? 0);
    return i === 0 ? 0 : v >= prev ? v - prev : v;
  });
  return { name: s.name, labels: s.labels, temporality: 'delta', timestampsMs: [...s.timestampsMs], values };
}

function outline(report: Awaited<ReturnType<typeof runAnalysis>>): string[] {
  return report.groups.map((g) => `${g.signal} ${JSON.stringify(g.labels)} ${g.verdict} ${g.suspects[0]?.binary ?? '-'}`).sort();
}

describe('series store', () => {
  it('gives the analysis the same verdicts as the raw series, pushed as cumulative counters or as deltas', async () => {
    const upgrade = validateUpgrade(story.upgrade, 'dten.json');
    const reference = await runAnalysis({ config: defaultConfig(), upgrade, source: createMemoryMetricsSource(fleet.series) });
    for (const mode of ['cumulative', 'delta'] as const) {
      const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 5 * 60 * MINUTE, maxSeries: 10_000 });
      const outcome = store.ingest({ series: fleet.series.map((s) => asIngest(s, mode)), rejected: new Map() }, END_MS);
      expect(outcome.rejected.size).toBe(0);
      const report = await runAnalysis({ config: defaultConfig(), upgrade, source: store });
      expect(outline(report), mode).toEqual(outline(reference));
    }
  });

  it('reads back per-slice increments exactly, resets handled as rate() does', async () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 10 });
    const t0 = 10 * MINUTE;
    const series: IngestSeries = { name: 'x_total', labels: { instance: 'a' }, temporality: 'cumulative', timestampsMs: [t0, t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE], values: [100, 160, 10, 40] };
    store.ingest({ series: [series], rejected: new Map() }, t0 + 3 * MINUTE);
    const { series: [raw] } = await store.read({ metricNames: ['x_total'], startMs: 0, endMs: t0 + 4 * MINUTE });
    expect(raw).toBeDefined();
    const inc = counterIncrements(raw as RawSeries, { startMs: t0, sliceMs: MINUTE, count: 3 });
    // 100→160: +60 in slice 0; 160→10 is a reset: +10 in slice 1; 10→40: +30 in slice 2.
    expect([...inc.increments]).toEqual([60, 10, 30]);
  });

  it('keeps gauges as their last value per slice', async () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 10 });
    store.ingest({ series: [{ name: 'g', labels: {}, temporality: 'gauge', timestampsMs: [0, 10_000, MINUTE + 5], values: [1, 2, 3] }], rejected: new Map() }, MINUTE);
    const { series: [raw] } = await store.read({ metricNames: ['g'], startMs: 0, endMs: 2 * MINUTE });
    expect([...(raw?.values ?? [])]).toEqual([2, 3]);
  });

  it('rejects, and counts, new series beyond the cardinality limit, samples older than retention, and out-of-order samples', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 10 * MINUTE, maxSeries: 2 });
    const mk = (i: number, t: number[], v: number[]): IngestSeries => ({ name: 'c_total', labels: { i: String(i) }, temporality: 'cumulative', timestampsMs: t, values: v });
    const now = 100 * MINUTE;
    const outcome = store.ingest(
      { series: [mk(1, [now - MINUTE, now], [1, 2]), mk(2, [now - 20 * MINUTE, now], [1, 2]), mk(3, [now], [1]), mk(1, [now - 30_000], [5])], rejected: new Map([['nan_value', 4]]) },
      now,
    );
    expect(store.seriesCount).toBe(2);
    expect(Object.fromEntries(outcome.rejected)).toEqual({ nan_value: 4, too_old: 1, series_limit: 1, out_of_order: 1 });
    expect(outcome.acceptedSamples).toBe(3);
  });

  it('holds about 1 KiB per series for 4 h of 1-minute slices', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 4 * 60 * MINUTE, maxSeries: 100 });
    store.ingest({ series: [{ name: 'a_total', labels: {}, temporality: 'cumulative', timestampsMs: [0], values: [0] }], rejected: new Map() }, 0);
    expect(store.bytes / store.seriesCount).toBeLessThanOrEqual(1024);
  });
});
