/**
 * Property test: the series store (pair-interned keys, hash index, rings in shared pages) gives the
 * same outcomes and reads back the same series as the straightforward store it replaced, kept below
 * as the reference model: a Map keyed by `name{labelsKey}`, one Float32Array ring per series. Label
 * sets include what remote-write never sends (empty values, a `__name__` label, lone surrogates,
 * integer-like and astral names), samples arrive out of order, duplicated, too old and non-finite,
 * the cardinality limit is small, and the index hash may collide on purpose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IngestBatch, IngestSeries, Labels, RawSeries, SeriesRequest, Temporality } from './model.js';
import { labelsKey } from './model.js';
import { createSeriesStore } from './series-store.js';
import type { SeriesKeyHash } from './series-key-hash.js';

const SEED = 20260411;
const MINUTE = 60_000;
const NOW_MS = 1_000 * MINUTE;
const RETENTION_MS = 30 * MINUTE;

const labelName = fc.constantFrom('job', 'instance', 'le', 'a', 'b', 'B', '_x', '1', '10', 'é', '\u{1D518}', '\uE000', '__name__', '', '\uD800');
const labelValue = fc.constantFrom('x', 'y', '0.5', '+Inf', '', 'é', '\u{1D518}', '\uDC00', 'long value with spaces');
const series = fc.record({
  name: fc.constantFrom('up', 'req_total', 'lat_bucket', 'g', '', '\u{1D518}_total'),
  labels: fc.dictionary(labelName, labelValue, { maxKeys: 4 }),
  temporality: fc.constantFrom<Temporality>('cumulative', 'delta', 'gauge'),
  samples: fc.array(
    fc.record({
      tMs: fc.oneof(fc.integer({ min: NOW_MS - RETENTION_MS - 3 * MINUTE, max: NOW_MS }), fc.constant(NaN)),
      value: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.double(), fc.constantFrom(NaN, Infinity, 0)),
    }),
    { maxLength: 5 },
  ),
});
const hashes: Record<string, SeriesKeyHash | undefined> = { default: undefined, constant: () => 7, twoBits: (bytes, _view, start, end) => (bytes[start + ((end - start) >> 1)] ?? 0) & 3 };

describe('series store against the reference model', () => {
  it('gives the same outcomes and reads back the same series', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(series, { maxLength: 6 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(...Object.keys(hashes)), async (batches, maxSeries, hash) => {
        const options = { sliceMs: MINUTE, retentionMs: RETENTION_MS, maxSeries };
        const store = createSeriesStore({ ...options, ...(hashes[hash] === undefined ? {} : { hashKey: hashes[hash] }) });
        const reference = createReferenceStore(options);
        const names = new Set<string>();
        for (const generated of batches) {
          const batch: IngestBatch = {
            series: generated.map((s): IngestSeries => ({ name: s.name, labels: s.labels, temporality: s.temporality, timestampsMs: s.samples.map((p) => p.tMs), values: s.samples.map((p) => p.value) })),
            rejected: new Map([['decoder_reason', 1]]),
          };
          for (const s of generated) names.add(s.name);
          const got = store.ingest(batch, NOW_MS);
          const want = reference.ingest(batch, NOW_MS);
          expect(got.acceptedSamples).toBe(want.acceptedSamples);
          expect(Object.fromEntries(got.rejected)).toEqual(Object.fromEntries(want.rejected));
          expect(store.seriesCount).toBe(reference.seriesCount);
        }
        const request = { metricNames: [...names], startMs: 0, endMs: 2 * NOW_MS };
        expect((await store.read(request)).series).toEqual(reference.read(request));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

// The reference model: the store as it was before pair interning (behaviour only; memory aside).

interface ReferenceSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly temporality: Temporality;
  readonly ring: Float32Array;
  newestSlice: number;
  /** Oldest slice written: reads start there (the slices before the series existed are not data). */
  firstSlice: number;
  lastValue: number;
  lastMs: number;
}

function createReferenceStore(options: { sliceMs: number; retentionMs: number; maxSeries: number }) {
  const slots = Math.max(1, Math.ceil(options.retentionMs / options.sliceMs));
  const series = new Map<string, ReferenceSeries>();
  return {
    get seriesCount() {
      return series.size;
    },
    ingest(batch: IngestBatch, nowMs: number) {
      const rejected = new Map(batch.rejected);
      let acceptedSamples = 0;
      for (const s of batch.series) {
        const key = `${s.name}{${labelsKey(s.labels)}}`;
        let stored = series.get(key);
        if (stored === undefined) {
          if (series.size >= options.maxSeries) {
            count(rejected, 'series_limit', s.values.length);
            continue;
          }
          const ring = new Float32Array(slots);
          if (s.temporality === 'gauge') ring.fill(NaN);
          stored = { name: s.name, labels: s.labels, temporality: s.temporality, ring, newestSlice: -Infinity, firstSlice: Infinity, lastValue: NaN, lastMs: NaN };
          series.set(key, stored);
        }
        acceptedSamples += appendSamples(stored, s, options.sliceMs, nowMs - options.retentionMs, rejected);
      }
      return { acceptedSamples, rejected };
    },
    read(request: SeriesRequest): RawSeries[] {
      const names = new Set(request.metricNames);
      return [...series.values()].filter((s) => names.has(s.name)).flatMap((s) => readBack(s, options.sliceMs, slots, request) ?? []);
    },
  };
}

function appendSamples(stored: ReferenceSeries, s: IngestSeries, sliceMs: number, oldestMs: number, rejected: Map<string, number>): number {
  const order = [...s.timestampsMs.keys()].sort((a, b) => (s.timestampsMs[a] ?? 0) - (s.timestampsMs[b] ?? 0));
  let accepted = 0;
  for (const i of order) {
    const tMs = s.timestampsMs[i] ?? NaN;
    const value = s.values[i] ?? NaN;
    if (!Number.isFinite(tMs) || tMs < oldestMs) {
      count(rejected, 'too_old', 1);
      continue;
    }
    if (stored.temporality === 'cumulative' && tMs <= stored.lastMs) {
      count(rejected, tMs === stored.lastMs ? 'duplicate_sample' : 'out_of_order', 1);
      continue;
    }
    if (!Number.isFinite(value)) {
      count(rejected, 'non_finite_value', 1);
      continue;
    }
    if (stored.temporality === 'gauge') write(stored, Math.floor(tMs / sliceMs), () => value);
    else if (stored.temporality === 'delta') write(stored, Math.floor(tMs / sliceMs), (old) => old + value);
    else {
      if (Number.isFinite(stored.lastMs)) {
        const delta = value >= stored.lastValue ? value - stored.lastValue : value;
        const [fromMs, toMs] = [stored.lastMs, tMs];
        for (let k = Math.floor(fromMs / sliceMs); k <= Math.floor(toMs / sliceMs); k++) {
          const overlap = Math.min(toMs, (k + 1) * sliceMs) - Math.max(fromMs, k * sliceMs);
          if (overlap > 0) write(stored, k, (old) => old + (delta * overlap) / (toMs - fromMs));
        }
      }
      stored.lastValue = value;
      stored.lastMs = tMs;
    }
    accepted++;
  }
  return accepted;
}

function write(stored: ReferenceSeries, k: number, update: (old: number) => number): void {
  const slots = stored.ring.length;
  if (k > stored.newestSlice) {
    const clearFrom = Number.isFinite(stored.newestSlice) ? Math.max(stored.newestSlice + 1, k - slots + 1) : k - slots + 1;
    for (let j = clearFrom; j <= k; j++) stored.ring[mod(j, slots)] = stored.temporality === 'gauge' ? NaN : 0;
    stored.newestSlice = k;
  }
  if (k <= stored.newestSlice - slots) return;
  stored.firstSlice = Math.min(stored.firstSlice, k);
  const index = mod(k, slots);
  const old = stored.ring[index] ?? 0;
  stored.ring[index] = update(stored.temporality === 'gauge' || !Number.isNaN(old) ? old : 0);
}

function readBack(stored: ReferenceSeries, sliceMs: number, slots: number, request: SeriesRequest): RawSeries | null {
  if (!Number.isFinite(stored.newestSlice)) return null;
  const from = Math.max(stored.newestSlice - slots + 1, Math.floor(request.startMs / sliceMs), stored.firstSlice);
  const to = Math.min(stored.newestSlice, Math.floor(request.endMs / sliceMs));
  if (to < from) return null;
  const gauge = stored.temporality === 'gauge';
  const timestamps: number[] = gauge ? [] : [from * sliceMs];
  const values: number[] = gauge ? [] : [0];
  let running = 0;
  for (let k = from; k <= to; k++) {
    const v = stored.ring[mod(k, slots)] ?? NaN;
    if (gauge) {
      if (Number.isNaN(v)) continue;
      timestamps.push((k + 1) * sliceMs - 1);
      values.push(v);
    } else {
      running += v;
      timestamps.push((k + 1) * sliceMs);
      values.push(running);
    }
  }
  if (values.length === 0) return null;
  return { name: stored.name, labels: stored.labels, timestampsMs: Float64Array.from(timestamps), values: Float64Array.from(values), origin: `store:${stored.temporality}` };
}

function count(map: Map<string, number>, reason: string, n: number): void {
  map.set(reason, (map.get(reason) ?? 0) + n);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
