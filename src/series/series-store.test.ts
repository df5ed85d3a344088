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
import { remoteWriteType, sortedLabels } from '../../test/fixtures/remote-write/write-request-encoder.js';

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

  it('books a delta point in the slice its interval ends in, as a cumulative sample at the same time', async () => {
    const t0 = 10 * MINUTE;
    const read = async (series: IngestSeries): Promise<number[]> => {
      const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 10 });
      store.ingest({ series: [series], rejected: new Map() }, t0 + 3 * MINUTE);
      const { series: [raw] } = await store.read({ metricNames: ['x_total'], startMs: 0, endMs: t0 + 4 * MINUTE });
      return [...counterIncrements(raw as RawSeries, { startMs: t0, sliceMs: MINUTE, count: 3 }).increments];
    };
    // Points exactly on slice boundaries (as OTLP exporters with a 1m interval stamp them): (t0, t0+1m] is slice 0.
    const delta = await read({ name: 'x_total', labels: { instance: 'a' }, temporality: 'delta', timestampsMs: [t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE], values: [5, 7, 9] });
    const cumulative = await read({ name: 'x_total', labels: { instance: 'a' }, temporality: 'cumulative', timestampsMs: [t0, t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE], values: [0, 5, 12, 21] });
    expect(delta).toEqual([5, 7, 9]);
    expect(delta).toEqual(cumulative);
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

  it('reads a series from the slice of its first sample, not from the request\'s start: before it existed is not a run of zeros', async () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 10 });
    const t0 = 30 * MINUTE;
    const series: IngestSeries = { name: 'x_total', labels: { instance: 'new' }, temporality: 'cumulative', timestampsMs: [t0 + 10_000, t0 + MINUTE + 10_000, t0 + 2 * MINUTE + 10_000], values: [7, 13, 20] };
    store.ingest({ series: [series], rejected: new Map() }, t0 + 3 * MINUTE);
    const { series: [raw] } = await store.read({ metricNames: ['x_total'], startMs: 0, endMs: t0 + 3 * MINUTE });
    expect([...(raw as RawSeries).timestampsMs]).toEqual([t0, t0 + MINUTE, t0 + 2 * MINUTE, t0 + 3 * MINUTE]);
    const inc = counterIncrements(raw as RawSeries, { startMs: t0 - 5 * MINUTE, sliceMs: MINUTE, count: 8 });
    // An instance that appears in the window is absent before, as a file or Prometheus would show it.
    expect([...inc.covered]).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(inc.increments.reduce((a, b) => a + b, 0)).toBeCloseTo(13, 4);
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

  it('accounts for its rings, keys, label pairs and index: under 1.25 KiB per series for 4 h of 1-minute slices, with a label value unique to each series', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 4 * 60 * MINUTE, maxSeries: 10_000 });
    const labels = (i: number) => Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`label_${k}`, k === 0 ? `instance-${i}` : `value-${k}`]));
    store.ingest({ series: Array.from({ length: 2048 }, (_, i) => ({ name: 'a_total', labels: labels(i), temporality: 'cumulative' as const, timestampsMs: [0], values: [0] })), rejected: new Map() }, 0);
    const perSeries = store.bytes / store.seriesCount;
    expect(perSeries).toBeGreaterThanOrEqual(240 * Float32Array.BYTES_PER_ELEMENT);
    expect(perSeries).toBeLessThanOrEqual(1.25 * 1024);
  });

  it('finds a series from the label bytes of a remote-write TimeSeries, whichever path created it', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 100 });
    // Names that sort differently in UTF-16 and UTF-8 (U+E000 against an astral character), and an integer-like one.
    const labels = { instance: 'a', '\uE000': 'x', '\u{1D518}': 'y', '1': 'z', Zed: 'upper' };
    store.ingest({ series: [{ name: 'up', labels, temporality: 'gauge', timestampsMs: [MINUTE], values: [1] }], rejected: new Map() }, MINUTE);
    const key = labelBytes({ ...labels, __name__: 'up' });
    expect(store.findByKeyBytes(key, viewOf(key), 0, key.length)).toBe(0);
    expect(store.findByKeyBytes(key, viewOf(key), 0, key.length - 1)).toBe(-1);
    const other = labelBytes({ ...labels, __name__: 'down' });
    expect(store.findByKeyBytes(other, viewOf(other), 0, other.length)).toBe(-1);
  });

  it('never finds by bytes a series whose labels remote-write would decode differently', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 100 });
    const odd: Record<string, string>[] = [{ a: '' }, { __name__: 'up' }, { '\uD800': 'x' }, { a: '\uDC00' }];
    store.ingest({ series: odd.map((labels) => ({ name: 'up', labels, temporality: 'gauge' as const, timestampsMs: [MINUTE], values: [1] })), rejected: new Map() }, MINUTE);
    expect(store.seriesCount).toBe(4);
    for (const labels of odd) {
      const bytes = labelBytes({ __name__: 'up', ...labels });
      expect(store.findByKeyBytes(bytes, viewOf(bytes), 0, bytes.length), JSON.stringify(labels)).toBe(-1);
    }
  });

  it('keeps series apart and finds each when every key hashes alike', async () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 100, hashKey: () => 42 });
    const all = Array.from({ length: 50 }, (_, i): IngestSeries => ({ name: 'c_total', labels: { i: String(i) }, temporality: 'cumulative', timestampsMs: [MINUTE, 2 * MINUTE], values: [0, i] }));
    expect(store.ingest({ series: all, rejected: new Map() }, 2 * MINUTE).acceptedSamples).toBe(100);
    expect(Object.fromEntries(store.ingest({ series: all, rejected: new Map() }, 2 * MINUTE).rejected)).toEqual({ out_of_order: 50, duplicate_sample: 50 });
    expect(store.seriesCount).toBe(50);
    for (let i = 0; i < 50; i++) {
      const bytes = labelBytes({ __name__: 'c_total', i: String(i) });
      expect(store.findByKeyBytes(bytes, viewOf(bytes), 0, bytes.length)).toBe(i);
    }
    const { series } = await store.read({ metricNames: ['c_total'], startMs: 0, endMs: 3 * MINUTE });
    expect(series.map((s) => [s.labels.i, s.values.at(-1)])).toEqual(all.map((_, i) => [String(i), i]));
  });

  it('appends samples to a series found by its bytes under the same rules as ingest', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 10 * MINUTE, maxSeries: 10 });
    store.ingest({ series: [{ name: 'c_total', labels: { i: '1' }, temporality: 'cumulative', timestampsMs: [50 * MINUTE], values: [1] }], rejected: new Map() }, 50 * MINUTE);
    const bytes = labelBytes({ __name__: 'c_total', i: '1' });
    const id = store.findByKeyBytes(bytes, viewOf(bytes), 0, bytes.length);
    const rejected = new Map<string, number>();
    const accepted = store.appendSamples(id, Float64Array.of(52 * MINUTE, 51 * MINUTE, 50 * MINUTE, 30 * MINUTE), Float64Array.of(5, 3, 1, 1), 0, 4, 52 * MINUTE, rejected);
    expect(accepted).toBe(2);
    expect(Object.fromEntries(rejected)).toEqual({ too_old: 1, duplicate_sample: 1 });
  });

  it('tells the time of the earliest sample it accepted', () => {
    const store = createSeriesStore({ sliceMs: MINUTE, retentionMs: 10 * MINUTE, maxSeries: 1 });
    expect(store.earliestSampleMs).toBe(Infinity);
    const now = 100 * MINUTE;
    store.ingest(
      { series: [{ name: 'g', labels: {}, temporality: 'gauge', timestampsMs: [now - 20 * MINUTE, now - 5 * MINUTE, now - 6 * MINUTE], values: [1, 2, NaN] }, { name: 'h', labels: {}, temporality: 'gauge', timestampsMs: [now - 9 * MINUTE], values: [1] }], rejected: new Map() },
      now,
    );
    expect(store.earliestSampleMs).toBe(now - 5 * MINUTE);
  });
});

/** The `labels` fields of a remote-write TimeSeries with these labels, as protobufjs encodes them (sorted byte-wise). */
function labelBytes(labels: Record<string, string>): Uint8Array {
  const type = remoteWriteType('TimeSeries');
  return type.encode(type.fromObject({ labels: sortedLabels(labels) })).finish();
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
