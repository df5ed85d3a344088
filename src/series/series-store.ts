/**
 * The windowed in-memory store of pushed telemetry (remote-write, OTLP): per series, a ring of
 * per-slice increments (counters, histogram buckets) or last values (gauges), covering the
 * retention (baseline + after windows + margin). It keeps what detection needs and nothing more:
 * a Float32 per slice, about 1 KiB per series at 4 h of 1-minute slices, plus the series' key
 * (4 bytes a label) and a few bytes of state and index (`series-rings.ts`, `label-pairs.ts`).
 *
 * Cumulative series are differenced on arrival, resets handled as `rate()` does (a decrease is a
 * restart from 0); each increase is spread over the slices between the two samples, as the file
 * path does. Delta series add their values. The store serves detection through the same
 * `MetricsSource` port as files and Prometheus: each series is read back as cumulative samples at
 * slice ends (gauges as their last values), which the analysis slices back exactly.
 *
 * Series are found by their key (see `label-pairs.ts`): from a name and labels ({@link
 * SeriesStore.ingest}, {@link SeriesStore.ingestSeries}), or straight from the label bytes of a
 * remote-write `TimeSeries` as Prometheus encodes them ({@link SeriesStore.findByKeyBytes}), which
 * lets a receiver skip decoding labels of series it has seen before.
 */
import { LabelPairTable } from './label-pairs.js';
import type { IngestBatch, IngestSeries, MetricsData, MetricsSource, RawSeries, SeriesRequest } from './model.js';
import { SeriesIndex } from './series-index.js';
import { hashSeriesKey } from './series-key-hash.js';
import type { SeriesKeyHash } from './series-key-hash.js';
import { KeyScratch, SeriesKeys } from './series-keys.js';
import { SeriesRings } from './series-rings.js';

export interface SeriesStoreOptions {
  /** Slice width, ms (the detection slice). */
  readonly sliceMs: number;
  /** How long data is kept, ms. */
  readonly retentionMs: number;
  /** Most series held at once; further new series are rejected (cardinality limit). */
  readonly maxSeries: number;
  /** Hash of series keys (tests inject a colliding one); {@link hashSeriesKey} by default. */
  readonly hashKey?: SeriesKeyHash;
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
  /** Approximate bytes held: slice rings, per-series state, keys, label pairs and index, as allocated. */
  readonly bytes: number;
}

/**
 * The store {@link createSeriesStore} makes: a {@link SeriesStore} that also takes series one at a
 * time and finds them by their key's bytes, for receivers that skip decoding labels of series seen
 * before (remote-write).
 */
export interface IndexedSeriesStore extends SeriesStore {
  /**
   * Adds one series' samples, creating the series unless the cardinality limit is reached (its
   * samples are then counted as `series_limit`); rejected samples are counted in `rejected` by reason.
   * Returns the samples accepted. {@link SeriesStore.ingest} does this for each series of a batch.
   */
  ingestSeries(series: IngestSeries, nowMs: number, rejected: Map<string, number>): number;
  /**
   * The number of the stored series whose key is exactly `bytes[start, end)` (`view`: a DataView of
   * the same memory), or -1. Finds only series whose key decodes back to them (see `label-pairs.ts`);
   * a miss says nothing: look the series up by name and labels then.
   */
  findByKeyBytes(bytes: Uint8Array, view: DataView, start: number, end: number): number;
  /**
   * Adds samples `[from, to)` of `timestampsMs`/`values` to the series numbered `id` (from
   * {@link findByKeyBytes}), with the same rules and rejection reasons as {@link ingestSeries}.
   * Returns the samples accepted.
   */
  appendSamples(id: number, timestampsMs: Float64Array, values: Float64Array, from: number, to: number, nowMs: number, rejected: Map<string, number>): number;
  /** Time of the earliest sample accepted since the store was created, epoch ms; Infinity before any. */
  readonly earliestSampleMs: number;
}

/** Whether `store` is an {@link IndexedSeriesStore} (a wrapper that forwards only {@link SeriesStore} is not). */
export function isIndexedSeriesStore(store: SeriesStore): store is IndexedSeriesStore {
  const candidate = store as Partial<IndexedSeriesStore>;
  return typeof candidate.findByKeyBytes === 'function' && typeof candidate.appendSamples === 'function' && typeof candidate.ingestSeries === 'function';
}

/** Creates an empty store. */
export function createSeriesStore(options: SeriesStoreOptions): IndexedSeriesStore {
  const slots = Math.max(1, Math.ceil(options.retentionMs / options.sliceMs));
  const hashKey = options.hashKey ?? hashSeriesKey;
  const rings = new SeriesRings(options.sliceMs, slots);
  const pairs = new LabelPairTable();
  const index = new SeriesIndex();
  const keys = new SeriesKeys();
  const scratch = new KeyScratch();

  /** Whether series `id`'s key, encoded, is exactly `bytes[start, end)` (`view`: a DataView of `bytes`). */
  const keyBytesEqual = (id: number, bytes: Uint8Array, view: DataView, start: number, end: number): boolean => {
    if (!keys.isFaithful(id)) return false;
    const encoded = pairs.encoded;
    const encodedView = pairs.encodedView;
    const offsets = pairs.offsets;
    const { pairIds } = keys;
    let pos = start;
    for (let k = keys.start(id), keyEnd = keys.start(id + 1); k < keyEnd; k++) {
      const pair = pairIds[k] as number;
      let i = offsets[pair] as number;
      const pairEnd = offsets[pair + 1] as number;
      if (pos + (pairEnd - i) > end) return false;
      // Four bytes at a time, then the rest.
      for (; i + 4 <= pairEnd; i += 4, pos += 4) if (encodedView.getInt32(i) !== view.getInt32(pos)) return false;
      for (; i < pairEnd; i++) if (encoded[i] !== bytes[pos++]) return false;
    }
    return pos === end;
  };

  /** The series whose pairs are the first `scratch.count` of `scratch.pairIds` (hash `hash`), or -1. */
  const findByPairs = (hash: number): number => {
    for (let slot = index.firstSlot(hash); ; slot = index.nextSlot(slot)) {
      const id = index.candidate(slot, hash);
      if (id === -1) return -1;
      if (id >= 0 && keys.equals(id, scratch.pairIds, scratch.count)) return id;
    }
  };

  const store: IndexedSeriesStore = {
    get seriesCount() {
      return rings.size;
    },
    get bytes() {
      return rings.bytes + keys.bytes + pairs.bytes + index.bytes + scratch.bytes;
    },
    get earliestSampleMs() {
      return rings.earliestMs;
    },
    findByKeyBytes: (bytes, view, start, end) => {
      const hash = hashKey(bytes, view, start, end);
      for (let slot = index.firstSlot(hash); ; slot = index.nextSlot(slot)) {
        const id = index.candidate(slot, hash);
        if (id === -1) return -1;
        if (id >= 0 && keyBytesEqual(id, bytes, view, start, end)) return id;
      }
    },
    appendSamples: (id, timestampsMs, values, from, to, nowMs, rejected) => rings.append(id, timestampsMs, values, from, to, nowMs - options.retentionMs, rejected),
    ingestSeries: (s, nowMs, rejected) => {
      const faithful = scratch.build(pairs, s.name, s.labels);
      const hash = hashKey(scratch.encoded, scratch.view, 0, scratch.byteLength);
      let id = findByPairs(hash);
      if (id < 0) {
        if (rings.size >= options.maxSeries) {
          rejected.set('series_limit', (rejected.get('series_limit') ?? 0) + s.values.length);
          return 0;
        }
        id = rings.add(s.temporality);
        keys.add(scratch.pairIds, scratch.count, scratch.namePair, faithful);
        index.insert(hash, id);
      }
      const length = s.timestampsMs.length;
      const samples = scratch.samples(length);
      for (let i = 0; i < length; i++) {
        samples.timestampsMs[i] = s.timestampsMs[i] ?? NaN;
        samples.values[i] = s.values[i] ?? NaN;
      }
      return rings.append(id, samples.timestampsMs, samples.values, 0, length, nowMs - options.retentionMs, rejected);
    },
    ingest: (batch, nowMs) => {
      const rejected = new Map(batch.rejected);
      let acceptedSamples = 0;
      for (const s of batch.series) acceptedSamples += store.ingestSeries(s, nowMs, rejected);
      return { acceptedSamples, rejected };
    },
    read: (request: SeriesRequest): Promise<MetricsData> => {
      const names = new Set(request.metricNames);
      const out: RawSeries[] = [];
      for (let id = 0; id < rings.size; id++) {
        const name = pairs.value(keys.namePair(id));
        if (!names.has(name)) continue;
        const samples = rings.read(id, request);
        if (samples === null) continue;
        const temporality = rings.temporality(id);
        out.push({ name, labels: keys.labels(id, pairs), timestampsMs: samples.timestampsMs, values: samples.values, origin: `store:${temporality}` });
      }
      // Every read builds new arrays (`SeriesRings.read`): the caller owns them.
      return Promise.resolve({ series: out, warnings: [], owned: true });
    },
  };
  return store;
}
