import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { createApp } from '../create-app.js';
import { tokenAuth } from '../auth.js';
import { createMemoryUpgradeRegistry } from '../upgrade-registry.js';
import { createServiceMetrics } from '../../telemetry/service-metrics.js';
import { createSeriesStore } from '../../series/series-store.js';
import type { SeriesStore } from '../../series/series-store.js';
import { RETRY_AFTER_SECONDS, retryAfterSeconds } from './ingest-routes.js';
import { MemoryStateStore } from '../../store/memory-state-store.js';
import { decodeRemoteWrite } from '../../ingest/remote-write/decode-remote-write.js';
import { decodeOtlpMetrics } from '../../ingest/otlp/index.js';
import { encodeOtlpTestRequest } from '../../ingest/otlp/encode-otlp-test-request.js';

const TOKENS = { viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } };
const ENV = { V: 'v', O: 'o', I: 'i' };
const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url)));
const REMOTE_WRITE = fixture('remote-write/prometheus-2.42.bin');
const OTLP_PROTOBUF = fixture('otlp/sdk-cumulative.binpb');
const OTLP_JSON = fixture('otlp/sdk-delta.json');

/** The fixtures' capture time (their newest sample): the test clock, so retention never expires them. */
const CAPTURED_AT_MS = Math.max(
  ...decodeRemoteWrite(REMOTE_WRITE, { contentType: 'application/x-protobuf', contentEncoding: 'snappy' }, { maxDecodedBytes: 1 << 26 }).series.flatMap((s) => [...s.timestampsMs]),
  ...decodeOtlpMetrics(OTLP_PROTOBUF, { contentType: 'application/x-protobuf' }, { maxDecodedBytes: 1 << 26, labels: { instance: 'instance', service: 'service' } }).batch.series.flatMap((s) => [...s.timestampsMs]),
);

function makeApp(
  limits: Partial<{
    maxInFlight: number;
    memoryBudgetBytes: number;
    maxDecodedBytes: number;
    maxSeries: number;
    maxEventLoopDelayMs: number;
    eventLoopDelayMs: () => number;
    detectionOverdue: () => boolean;
  }> = {},
  wrap: (store: SeriesStore) => SeriesStore = (store) => store,
) {
  const store = wrap(createSeriesStore({ sliceMs: 60_000, retentionMs: 7 * 86_400_000, maxSeries: limits.maxSeries ?? 100_000 }));
  const metrics = createServiceMetrics();
  const state = new MemoryStateStore();
  void state.open();
  const app = createApp({
    auth: tokenAuth(TOKENS, ENV),
    registry: createMemoryUpgradeRegistry(),
    metrics,
    analyze: () => Promise.reject(new Error('not used')),
    now: () => CAPTURED_AT_MS,
    ready: () => true,
    maxJsonBodyBytes: 1 << 20,
    version: 'test',
    logError: () => undefined,
    findings: state,
    decisions: state,
    ingest: {
      store,
      limits: {
        maxBodyBytes: 8 << 20,
        maxDecodedBytes: limits.maxDecodedBytes ?? 32 << 20,
        maxInFlight: limits.maxInFlight ?? 8,
        memoryBudgetBytes: limits.memoryBudgetBytes ?? 1 << 30,
        ...(limits.maxEventLoopDelayMs === undefined ? {} : { maxEventLoopDelayMs: limits.maxEventLoopDelayMs }),
      },
      labels: { instance: 'instance', service: 'service' },
      now: () => CAPTURED_AT_MS,
      ...(limits.eventLoopDelayMs === undefined ? {} : { eventLoopDelayMs: limits.eventLoopDelayMs }),
      ...(limits.detectionOverdue === undefined ? {} : { detectionOverdue: limits.detectionOverdue }),
    },
  });
  return { app, store, metrics };
}

const remoteWrite = (body: Uint8Array, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body,
  headers: {
    Authorization: 'Bearer i',
    'Content-Type': 'application/x-protobuf',
    'Content-Encoding': 'snappy',
    'X-Prometheus-Remote-Write-Version': '0.1.0',
    ...headers,
  },
});

describe('POST /api/v1/write (remote-write 1.0)', () => {
  it('accepts a payload captured from Prometheus 2.42 and stores its series', async () => {
    const { app, store, metrics } = makeApp();
    const response = await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE));
    expect(response.status).toBe(204);
    expect(store.seriesCount).toBeGreaterThan(0);
    expect(await metrics.registry.getSingleMetricAsString('shiftguard_samples_ingested_total')).toMatch(/protocol="remote_write"\} [1-9]/);
  });

  it('answers 401 without a token and 403 with a viewer token', async () => {
    const { app } = makeApp();
    expect((await app.request('/api/v1/write', { method: 'POST', body: REMOTE_WRITE })).status).toBe(401);
    expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE, { Authorization: 'Bearer v' }))).status).toBe(403);
  });

  it('refuses malformed input with the documented status and keeps serving', async () => {
    const { app } = makeApp();
    const truncated = REMOTE_WRITE.subarray(0, Math.floor(REMOTE_WRITE.length / 2));
    expect((await app.request('/api/v1/write', remoteWrite(truncated))).status).toBe(400);
    const badProtobuf = new Uint8Array(snappy.compressSync(Buffer.from([0x0f, 0xff, 0xff, 0xff])));
    expect((await app.request('/api/v1/write', remoteWrite(badProtobuf))).status).toBe(400);
    expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE, { 'Content-Type': 'text/plain' }))).status).toBe(415);
    // A snappy block that declares a 4 GiB decoded size (uint32 varint 2^32 − 1) must be refused before decompressing.
    const bomb = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect((await app.request('/api/v1/write', remoteWrite(bomb))).status).toBe(413);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE))).status).toBe(204);
  });

  it('counts the same samples and rejections whether the store finds series by their bytes or only takes decoded batches', async () => {
    // A wrapper that forwards only the SeriesStore members hides the indexed store: the route then decodes batches.
    const plain = (store: SeriesStore): SeriesStore => ({
      ingest: (batch, nowMs) => store.ingest(batch, nowMs),
      read: (request) => store.read(request),
      get seriesCount() {
        return store.seriesCount;
      },
      get bytes() {
        return store.bytes;
      },
    });
    const counts = [];
    for (const wrap of [undefined, plain]) {
      const { app, store, metrics } = makeApp({ maxSeries: 5 }, wrap);
      for (let i = 0; i < 2; i++) expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE))).status).toBe(204);
      counts.push({ series: store.seriesCount, ingested: await metrics.registry.getSingleMetricAsString('shiftguard_samples_ingested_total'), rejected: await metrics.registry.getSingleMetricAsString('shiftguard_samples_rejected_total') });
    }
    expect(counts[0]?.rejected).toMatch(/reason="series_limit"\} [1-9]/);
    expect(counts[0]?.rejected).toMatch(/reason="duplicate_sample"\} [1-9]/);
    expect(counts[1]).toEqual(counts[0]);
  });

  it('answers 503 with Retry-After when the store is over its memory budget, and says so', async () => {
    const { app, metrics } = makeApp({ memoryBudgetBytes: 0 });
    const response = await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE));
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS.min);
    expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(RETRY_AFTER_SECONDS.max);
    expect(await response.json()).toEqual({ error: { code: 'overloaded', message: 'the series store is at its memory budget; retry later' } });
    expect(await metrics.registry.getSingleMetricAsString('shiftguard_ingest_overloaded_total')).toContain('shiftguard_ingest_overloaded_total{protocol="remote_write",reason="memory_budget"} 1');
  });

  it('answers 503 with Retry-After while an evaluation of detection has overrun its time: detection has the CPU first', async () => {
    let overdue = true;
    const { app, metrics } = makeApp({ detectionOverdue: () => overdue });
    const refused = await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toMatch(/^[3-8]$/);
    expect(await refused.json()).toEqual({ error: { code: 'overloaded', message: 'detection has overrun its time and has the CPU until it finishes; retry later' } });
    expect(await metrics.registry.getSingleMetricAsString('shiftguard_ingest_overloaded_total')).toContain('shiftguard_ingest_overloaded_total{protocol="remote_write",reason="detection"} 1');
    overdue = false;
    expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE))).status).toBe(204);
  });

  it('spreads Retry-After over 3..8 s, so refused senders do not all come back at once', () => {
    expect([0, 0.17, 0.34, 0.5, 0.67, 0.84, 0.999999].map((r) => retryAfterSeconds(() => r))).toEqual(['3', '4', '5', '6', '7', '8', '8']);
  });
});

describe('POST /v1/metrics (OTLP/HTTP)', () => {
  it('accepts protobuf from the real SDK and answers in protobuf', async () => {
    const { app, store } = makeApp();
    const response = await app.request('/v1/metrics', { method: 'POST', body: OTLP_PROTOBUF, headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect(store.seriesCount).toBeGreaterThan(0);
  });

  it('accepts gzipped JSON and answers in JSON', async () => {
    const { app, store } = makeApp();
    const response = await app.request('/v1/metrics', {
      method: 'POST',
      body: new Uint8Array(gzipSync(OTLP_JSON)),
      headers: { Authorization: 'Bearer i', 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(store.seriesCount).toBeGreaterThan(0);
  });

  it('answers 400 for JSON with wrong types, 415 for an unknown type, 413 for a gzip bomb, and keeps serving', async () => {
    const { app } = makeApp({ maxDecodedBytes: 1 << 20 });
    const headers = { Authorization: 'Bearer i', 'Content-Type': 'application/json' };
    const wrong = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 'abc', timeUnixNano: '1' }] } }] }] }] });
    const bad = await app.request('/v1/metrics', { method: 'POST', body: wrong, headers });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/asDouble/);
    expect((await app.request('/v1/metrics', { method: 'POST', body: '{}', headers: { ...headers, 'Content-Type': 'text/csv' } })).status).toBe(415);
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(8 << 20)));
    expect((await app.request('/v1/metrics', { method: 'POST', body: bomb, headers: { ...headers, 'Content-Encoding': 'gzip' } })).status).toBe(413);
    expect((await app.request('/v1/metrics', { method: 'POST', body: OTLP_PROTOBUF, headers: { ...headers, 'Content-Type': 'application/x-protobuf' } })).status).toBe(200);
  });
});

/**
 * Overload of the push endpoints when the event loop is behind. Pushes are decoded one at a time as
 * their bodies arrive, so with fast senders (loopback, a LAN) `maxInFlight` never sees them queue up:
 * the soak of `serve` (test/bench/soak.ts) had 200 remote-write shards waiting, never a 503, and the
 * event loop several seconds behind. The delay of the loop is what must turn them away.
 */
describe('push endpoints while the event loop is behind', () => {
  const LIMIT_MS = 1000;
  const otlp = (): RequestInit => ({
    method: 'POST',
    body: encodeOtlpTestRequest({ resourceMetrics: [] }, 'protobuf'),
    headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf' },
  });

  it('answer 503 with Retry-After once the loop is more than the limit behind, and count it', async () => {
    let delay = LIMIT_MS + 1;
    const { app, metrics } = makeApp({ maxEventLoopDelayMs: LIMIT_MS, eventLoopDelayMs: () => delay });
    const refused = await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toMatch(/^[3-8]$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    expect((await app.request('/v1/metrics', otlp())).status).toBe(503);
    const overloaded = await metrics.registry.getSingleMetricAsString('shiftguard_ingest_overloaded_total');
    expect(overloaded).toContain('shiftguard_ingest_overloaded_total{protocol="remote_write",reason="event_loop"} 1');
    expect(overloaded).toContain('shiftguard_ingest_overloaded_total{protocol="otlp",reason="event_loop"} 1');
    delay = LIMIT_MS;
    expect((await app.request('/api/v1/write', remoteWrite(REMOTE_WRITE))).status).toBe(204);
    expect((await app.request('/v1/metrics', otlp())).status).toBe(200);
  });
});
