/**
 * The receiver's fast path (`ingestRemoteWrite`: known series found by their label bytes) against the
 * path it replaces (`decodeRemoteWrite` then `store.ingest`), each into a store of its own: the same
 * outcomes, the same errors, the same stored series, on requests captured from Prometheus 2.42 and
 * on generated ones (random label sets, duplicates, metadata between requests, out-of-order, stale,
 * non-finite and too-old samples, exemplars and native histograms, the cardinality and per-request
 * limits, corrupted bytes, and an index hash that collides on purpose).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { createSeriesStore } from '../../series/series-store.js';
import type { IndexedSeriesStore, SeriesStoreOptions } from '../../series/series-store.js';
import type { SeriesKeyHash } from '../../series/series-key-hash.js';
import { IngestError } from '../ingest-error.js';
import { decodeRemoteWrite } from './decode-remote-write.js';
import type { RemoteWriteLimits } from './decode-remote-write.js';
import { ingestRemoteWrite } from './ingest-remote-write.js';
import { createMetricTypeMemory } from './remote-write-temporality.js';
import { PROMETHEUS_HEADERS, STALE_MARKER, encodeWriteRequest, remoteWriteType, snappyBlock, sortedLabels } from '../../../test/fixtures/remote-write/write-request-encoder.js';
import type { TimeSeriesInput } from '../../../test/fixtures/remote-write/write-request-encoder.js';

const SEED = 20260412;
const MINUTE = 60_000;
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../test/fixtures/remote-write/${name}`, import.meta.url)));

/** A reference receiver and a fast one, each with its own store and metadata memory; `hits` counts series found by their bytes. */
function receivers(options: SeriesStoreOptions, hashKey?: SeriesKeyHash) {
  const reference = createSeriesStore(options);
  const counted = countingHits(createSeriesStore({ ...options, ...(hashKey === undefined ? {} : { hashKey }) }));
  const referenceTypes = createMetricTypeMemory(1000);
  const fastTypes = createMetricTypeMemory(1000);
  return {
    reference,
    fast: counted.store,
    hits: counted.hits,
    /** Pushes `body` to both and expects the same answer. */
    push(body: Uint8Array, nowMs: number, limits: RemoteWriteLimits = { maxDecodedBytes: 1 << 24 }) {
      const want = attempt(() => {
        const batch = decodeRemoteWrite(body, PROMETHEUS_HEADERS, limits, referenceTypes);
        const outcome = reference.ingest(batch, nowMs);
        return { acceptedSamples: outcome.acceptedSamples, rejected: Object.fromEntries(outcome.rejected), series: batch.series.length };
      });
      const got = attempt(() => {
        const outcome = ingestRemoteWrite(body, PROMETHEUS_HEADERS, limits, counted.store, () => nowMs, fastTypes);
        return { acceptedSamples: outcome.acceptedSamples, rejected: Object.fromEntries(outcome.rejected), series: outcome.series };
      });
      expect(got).toEqual(want);
      return got;
    },
    /** Expects both stores to hold the same series with the same slices. */
    async expectSameContents(metricNames: readonly string[]) {
      expect(counted.store.seriesCount).toBe(reference.seriesCount);
      const request = { metricNames, startMs: 0, endMs: Number.MAX_SAFE_INTEGER };
      expect((await counted.store.read(request)).series).toEqual((await reference.read(request)).series);
    },
  };
}

/** The store, forwarding everything, counting the series {@link IndexedSeriesStore.findByKeyBytes} finds. */
function countingHits(store: IndexedSeriesStore): { store: IndexedSeriesStore; hits: { count: number } } {
  const hits = { count: 0 };
  const counting: IndexedSeriesStore = {
    ingest: (batch, nowMs) => store.ingest(batch, nowMs),
    ingestSeries: (series, nowMs, rejected) => store.ingestSeries(series, nowMs, rejected),
    appendSamples: (...args) => store.appendSamples(...args),
    read: (request) => store.read(request),
    findByKeyBytes: (bytes, view, start, end) => {
      const id = store.findByKeyBytes(bytes, view, start, end);
      if (id >= 0) hits.count++;
      return id;
    },
    get seriesCount() {
      return store.seriesCount;
    },
    get bytes() {
      return store.bytes;
    },
    get earliestSampleMs() {
      return store.earliestSampleMs;
    },
  };
  return { store: counting, hits };
}

function attempt<T>(run: () => T): { ok: T } | { error: { status: number; code: string; message: string } } {
  try {
    return { ok: run() };
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    return { error: { status: error.status, code: error.code, message: error.message } };
  }
}

describe('ingestRemoteWrite on requests captured from Prometheus 2.42', () => {
  const samples = fixture('prometheus-2.42.bin');
  const metadata = fixture('prometheus-2.42-metadata.bin');
  const decoded = decodeRemoteWrite(samples, PROMETHEUS_HEADERS, { maxDecodedBytes: 1 << 24 });
  const capturedAtMs = Math.max(...decoded.series.flatMap((s) => s.timestampsMs));
  const names = [...new Set(decoded.series.map((s) => s.name))];

  it('stores what decodeRemoteWrite + ingest stores, and finds every series by its bytes the second time', async () => {
    const both = receivers({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 1000 });
    both.push(metadata, capturedAtMs);
    const first = both.push(samples, capturedAtMs);
    expect(first).toEqual({ ok: expect.objectContaining({ series: decoded.series.length }) });
    expect(both.hits.count).toBe(0);
    both.push(laterScrape(samples, 15_000, 7), capturedAtMs + 15_000);
    expect(both.hits.count).toBe(decoded.series.length);
    // The same request again: duplicates for the counters, a new value for the gauges.
    both.push(samples, capturedAtMs + 15_000);
    await both.expectSameContents(names);
  });

  it('refuses a request over the cardinality limit the same way', async () => {
    const both = receivers({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 5 });
    const outcome = both.push(samples, capturedAtMs);
    expect(outcome).toEqual({ ok: expect.objectContaining({ rejected: { series_limit: decoded.series.length - 5 } }) });
    both.push(laterScrape(samples, 15_000, 1), capturedAtMs + 15_000);
    await both.expectSameContents(names);
  });
});

describe('ingestRemoteWrite on generated requests', () => {
  it('agrees with decodeRemoteWrite + ingest on requests larger than its reusable arrays', async () => {
    const both = receivers({ sliceMs: MINUTE, retentionMs: 60 * MINUTE, maxSeries: 10_000 });
    const series = (t: number, v: number): TimeSeriesInput[] =>
      Array.from({ length: 3000 }, (_, i) => ({ labels: sortedLabels({ __name__: i % 3 === 0 ? 'g' : 'c_total', i: String(i), job: 'j' }), samples: [{ value: v + i, timestamp: t }] }));
    const t0 = 100 * MINUTE;
    both.push(snappyBlock(encodeWriteRequest({ timeseries: series(t0, 1) })), t0);
    both.push(snappyBlock(encodeWriteRequest({ timeseries: series(t0 + 15_000, 2) })), t0 + 15_000);
    expect(both.hits.count).toBe(3000);
    await both.expectSameContents(['g', 'c_total']);
  });

  it('agrees with decodeRemoteWrite + ingest on random request sequences', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ pool, requests, maxSeries, hash, maxSeriesPerRequest }) => {
        const both = receivers({ sliceMs: MINUTE, retentionMs: 30 * MINUTE, maxSeries }, HASHES[hash]);
        const baseMs = 1000 * MINUTE;
        requests.forEach((request, index) => {
          const nowMs = baseMs + index * 15_000;
          const timeseries = request.picks.map((pick) => toTimeSeries(pool[pick.series % pool.length] as PoolSeries, pick, nowMs));
          const bytes = encodeWriteRequest({ timeseries, metadata: request.metadata });
          if (request.corrupt !== null) bytes[request.corrupt.at % Math.max(1, bytes.length)] = request.corrupt.byte;
          both.push(snappyBlock(bytes), nowMs, { maxDecodedBytes: 1 << 24, ...(maxSeriesPerRequest === null ? {} : { maxSeriesPerRequest }) });
        });
        await both.expectSameContents(METRIC_NAMES);
        hits += both.hits.count;
      }),
      { seed: SEED, numRuns: 300 },
    );
    // The generated sequences do reach the fast path (a deterministic count: the seed is fixed).
    expect(hits).toBeGreaterThan(2000);
  });
});

describe('ingestRemoteWrite on corrupted requests of known series', () => {
  it('fails, or succeeds, exactly as decodeRemoteWrite + ingest does whatever byte is changed', () => {
    const both = receivers({ sliceMs: MINUTE, retentionMs: 30 * MINUTE, maxSeries: 100 });
    const t0 = 1000 * MINUTE;
    // Short labels: most bytes of these requests are samples, which the fast path reads itself.
    const request = (t: number): Uint8Array =>
      encodeWriteRequest({ timeseries: Array.from({ length: 6 }, (_, i) => ({ labels: sortedLabels({ __name__: i < 3 ? 'c_total' : 'g', i: String(i) }), samples: [{ value: 10 * i + t / MINUTE, timestamp: t }, { value: 10 * i + t / MINUTE + 1, timestamp: t + 1000 }] })) });
    both.push(snappyBlock(request(t0)), t0);
    const mutation = fc.record({ at: fc.nat(), change: fc.oneof(fc.constantFrom(-1, 1).map((d) => ({ delta: d })), fc.constantFrom(0x00, 0x01, 0x09, 0x0a, 0x10, 0x12, 0x7f, 0x80, 0xff).map((b) => ({ byte: b }))), truncate: oneIn(8) });
    let step = 0;
    fc.assert(
      fc.property(mutation, ({ at, change, truncate }) => {
        const t = t0 + ++step * 5000;
        const bytes = request(t);
        const i = at % bytes.length;
        bytes[i] = 'delta' in change ? ((bytes[i] as number) + change.delta) & 0xff : change.byte;
        both.push(snappyBlock(truncate ? bytes.subarray(0, i) : bytes), t);
      }),
      { seed: SEED, numRuns: 1500 },
    );
    expect(both.hits.count).toBeGreaterThan(3000);
  });
});

/** `body` (a snappy WriteRequest) with every sample `shiftMs` later and `add` higher, re-encoded. */
function laterScrape(body: Uint8Array, shiftMs: number, add: number): Uint8Array {
  const type = remoteWriteType('WriteRequest');
  const request = type.toObject(type.decode(uncompressSync(body) as Buffer), { longs: Number }) as { timeseries?: { samples?: { value?: number; timestamp?: number }[] }[] };
  for (const series of request.timeseries ?? []) {
    for (const sample of series.samples ?? []) {
      sample.value = (sample.value ?? 0) + add;
      sample.timestamp = (sample.timestamp ?? 0) + shiftMs;
    }
  }
  return snappyBlock(encodeWriteRequest(request as never));
}

const METRIC_NAMES = ['up', 'req_total', 'lat_bucket', 'lat_count', 'lat_sum', 'req', 'x_created'];
const HASHES: Record<string, SeriesKeyHash | undefined> = { default: undefined, constant: () => 3, twoBits: (bytes, _view, start, end) => (bytes[end - 1] ?? 0) & 3 };

interface PoolSeries {
  readonly name: string | undefined;
  readonly labels: Record<string, string>;
}

interface Pick {
  readonly series: number;
  readonly samples: readonly { readonly stepMs: number; readonly value: number }[];
  readonly exemplar: boolean;
  readonly histogram: boolean;
}

/** True one time in `n`. */
function oneIn(n: number): fc.Arbitrary<boolean> {
  return fc.integer({ min: 1, max: n }).map((k) => k === 1);
}

/** `arbitrary` one time in eight, else null. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary, weight: 1 });
}

const labelName = fc.constantFrom('job', 'instance', 'le', 'a', 'Zed', '\uE000', '\u{1D518}', '1');
const labelValue = fc.constantFrom('x', 'y', '0.5', '+Inf', '', '\u{1D518}');
const poolSeries = fc.record({
  name: fc.option(fc.constantFrom(...METRIC_NAMES, ''), { nil: undefined, freq: 8 }),
  labels: fc.dictionary(labelName, labelValue, { maxKeys: 4 }),
});
const value = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.double(), fc.constantFrom(STALE_MARKER, NaN, Infinity, 0));
const pick = fc.record({
  series: fc.nat(),
  samples: fc.array(fc.record({ stepMs: fc.oneof(fc.integer({ min: -3, max: 6 }).map((k) => k * 5000), fc.constant(-60 * MINUTE)), value }), { maxLength: 3 }),
  exemplar: oneIn(10),
  histogram: oneIn(10),
});
const metadata = fc.array(fc.record({ type: fc.integer({ min: 0, max: 7 }), metricFamilyName: fc.constantFrom('up', 'req', 'lat', 'x', 'req_total') }), { maxLength: 2 });
const request = fc.record({
  picks: fc.array(pick, { minLength: 1, maxLength: 12 }),
  metadata,
  corrupt: rarely(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) })),
});
const scenario = fc.record({
  pool: fc.array(poolSeries, { minLength: 1, maxLength: 6 }),
  requests: fc.array(request, { minLength: 2, maxLength: 10 }),
  maxSeries: fc.constantFrom(2, 100),
  hash: fc.constantFrom(...Object.keys(HASHES)),
  maxSeriesPerRequest: rarely(fc.constant(3)),
});

function toTimeSeries(series: PoolSeries, p: Pick, nowMs: number): TimeSeriesInput {
  const labels = sortedLabels(series.name === undefined ? series.labels : { ...series.labels, __name__: series.name });
  return {
    labels,
    samples: p.samples.map((s) => ({ value: s.value, timestamp: nowMs + s.stepMs })),
    ...(p.exemplar ? { exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: nowMs }] } : {}),
    ...(p.histogram ? { histograms: [{ countInt: 1, sum: 0.5, schema: 0, timestamp: nowMs }] } : {}),
  };
}

