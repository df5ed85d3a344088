/**
 * The windowed in-memory store of pushed telemetry (remote-write, OTLP): per series, a ring of
 * per-slice increments (counters, histogram buckets) or last values (gauges), covering the
 * retention (baseline + after windows + margin). It keeps what detection needs and nothing more:
 * a Float32 per slice, about 1 KiB per series at 4 h of 1-minute slices.
 *
 * Cumulative series are differenced on arrival, resets handled as `rate()` does (a decrease is a
 * restart from 0); each increase is spread over the slices between the two samples, as the file
 * path does. Delta series add their values. The store serves detection through the same
 * `MetricsSource` port as files and Prometheus: each series is read back as cumulative samples at
 * slice ends (gauges as their last values), which the analysis slices back exactly.
 */
import type { IngestBatch, IngestSeries, Labels, MetricsData, MetricsSource, RawSeries, SeriesRequest, Temporality } from './model.js';
import { labelsKey } from './model.js';

export interface SeriesStoreOptions {
  /** Slice width, ms (the detection slice). */
  readonly sliceMs: number;
  /** How long data is kept, ms. */
  readonly retentionMs: number;
  /** Most series held at once; further new series are rejected (cardinality limit). */
  readonly maxSeries: number;
}

/** What one ingest call did. */
export interface IngestOutcome {
  readonly acceptedSamples: number;
  /** Rejected samples by reason (merged with the decoder's rejections). */
  readonly rejected: Map<string, number>;
}

export interface SeriesStore extends MetricsSource {
  ingest(batch: IngestBatch, nowMs: number): IngestOutcome;
  /** Series held now. */
  readonly seriesCount: number;
  /** Approximate bytes held by the slice rings. */
  readonly bytes: number;
}

interface StoredSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly temporality: Temporality;
  /** Per-slice increments (or last gauge values; NaN = none), ring indexed by absolute slice modulo length. */
  readonly ring: Float32Array;
  /** Absolute slice number of the newest slice written (−Infinity before any). */
  newestSlice: number;
  lastValue: number;
  lastMs: number;
}

/** Creates an empty store. */
export function createSeriesStore(options: SeriesStoreOptions): SeriesStore {
  const slots = Math.max(1, Math.ceil(options.retentionMs / options.sliceMs));
  const series = new Map<string, StoredSeries>();
  const store: SeriesStore = {
    get seriesCount() {
      return series.size;
    },
    get bytes() {
      return series.size * slots * Float32Array.BYTES_PER_ELEMENT;
    },
    ingest: (batch, nowMs) => {
      const rejected = new Map(batch.rejected);
      let acceptedSamples = 0;
      const oldestMs = nowMs - options.retentionMs;
      for (const s of batch.series) {
        const key = `${s.name}{${labelsKey(s.labels)}}`;
        let stored = series.get(key);
        if (stored === undefined) {
          if (series.size >= options.maxSeries) {
            count(rejected, 'series_limit', s.values.length);
            continue;
          }
          stored = newSeries(s, slots);
          series.set(key, stored);
        }
        acceptedSamples += appendSamples(stored, s, options.sliceMs, oldestMs, rejected);
      }
      return { acceptedSamples, rejected };
    },
    read: (request: SeriesRequest): Promise<MetricsData> => {
      const names = new Set(request.metricNames);
      const out: RawSeries[] = [];
      for (const stored of series.values()) {
        if (!names.has(stored.name)) continue;
        const raw = readBack(stored, options.sliceMs, slots, request);
        if (raw !== null) out.push(raw);
      }
      return Promise.resolve({ series: out, warnings: [] });
    },
  };
  return store;
}

function newSeries(s: IngestSeries, slots: number): StoredSeries {
  const ring = new Float32Array(slots);
  if (s.temporality === 'gauge') ring.fill(NaN);
  return { name: s.name, labels: s.labels, temporality: s.temporality, ring, newestSlice: -Infinity, lastValue: NaN, lastMs: NaN };
}

/** Adds the samples of `s` (sorted here by time) to `stored`; returns how many were accepted. */
function appendSamples(stored: StoredSeries, s: IngestSeries, sliceMs: number, oldestMs: number, rejected: Map<string, number>): number {
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
    apply(stored, tMs, value, sliceMs);
    accepted++;
  }
  return accepted;
}

function apply(stored: StoredSeries, tMs: number, value: number, sliceMs: number): void {
  if (stored.temporality === 'gauge') {
    write(stored, Math.floor(tMs / sliceMs), () => value);
    return;
  }
  if (stored.temporality === 'delta') {
    write(stored, Math.floor(tMs / sliceMs), (old) => old + value);
    return;
  }
  // Cumulative: the first sample only sets the reference; later ones add their increase.
  if (Number.isFinite(stored.lastMs)) {
    const delta = value >= stored.lastValue ? value - stored.lastValue : value;
    spread(stored, stored.lastMs, tMs, delta, sliceMs);
  }
  stored.lastValue = value;
  stored.lastMs = tMs;
}

/** Spreads `delta` over the slices that [fromMs, toMs] overlaps, proportionally (as counterIncrements does). */
function spread(stored: StoredSeries, fromMs: number, toMs: number, delta: number, sliceMs: number): void {
  const first = Math.floor(fromMs / sliceMs);
  const last = Math.floor(toMs / sliceMs);
  const length = toMs - fromMs;
  for (let k = first; k <= last; k++) {
    const overlap = Math.min(toMs, (k + 1) * sliceMs) - Math.max(fromMs, k * sliceMs);
    if (overlap > 0) write(stored, k, (old) => old + (delta * overlap) / length);
  }
}

/** Writes slice `k` (absolute) through `update`, advancing and clearing the ring as time moves on. */
function write(stored: StoredSeries, k: number, update: (old: number) => number): void {
  const slots = stored.ring.length;
  if (k > stored.newestSlice) {
    const clearFrom = Number.isFinite(stored.newestSlice) ? Math.max(stored.newestSlice + 1, k - slots + 1) : k - slots + 1;
    for (let j = clearFrom; j <= k; j++) stored.ring[mod(j, slots)] = stored.temporality === 'gauge' ? NaN : 0;
    stored.newestSlice = k;
  }
  if (k <= stored.newestSlice - slots) return;
  const index = mod(k, slots);
  const old = stored.ring[index] ?? 0;
  stored.ring[index] = update(stored.temporality === 'gauge' || !Number.isNaN(old) ? old : 0);
}

/** The stored series as raw samples at slice ends within the request's range, or null when empty. */
function readBack(stored: StoredSeries, sliceMs: number, slots: number, request: SeriesRequest): RawSeries | null {
  if (!Number.isFinite(stored.newestSlice)) return null;
  const oldest = stored.newestSlice - slots + 1;
  const from = Math.max(oldest, Math.floor(request.startMs / sliceMs));
  const to = Math.min(stored.newestSlice, Math.floor(request.endMs / sliceMs));
  if (to < from) return null;
  const timestamps: number[] = [];
  const values: number[] = [];
  let running = 0;
  if (stored.temporality !== 'gauge') {
    // A zero sample at the start of the first slice anchors the differences.
    timestamps.push(from * sliceMs);
    values.push(0);
  }
  for (let k = from; k <= to; k++) {
    const v = stored.ring[mod(k, slots)] ?? NaN;
    if (stored.temporality === 'gauge') {
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
  return {
    name: stored.name,
    labels: stored.labels,
    timestampsMs: Float64Array.from(timestamps),
    values: Float64Array.from(values),
    origin: `store:${stored.temporality}`,
  };
}

function count(map: Map<string, number>, reason: string, n: number): void {
  map.set(reason, (map.get(reason) ?? 0) + n);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
