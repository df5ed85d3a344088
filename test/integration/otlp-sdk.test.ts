/**
 * The real OpenTelemetry JS SDK exports to a capture server on 127.0.0.1 that decodes each request
 * with shiftguard's OTLP decoder and answers with its response encoding. Covers both exporters
 * (protobuf and JSON), both temporality preferences, with and without gzip, and checks names,
 * labels, temporalities, bucket counts and sums against what was recorded.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOtlpJson } from '../../src/ingest/otlp/otlp-json-reader.js';
import { readOtlpProtobuf } from '../../src/ingest/otlp/otlp-protobuf-reader.js';
import type { IngestSeries } from '../../src/series/model.js';
import { startOtlpCaptureServer, type CapturedRequest, type OtlpCaptureServer } from '../fixtures/otlp/otlp-capture-server.js';
import { DURATION_BOUNDARIES_S, recordAndExport, RECORDING, type SdkExportSetup } from '../fixtures/otlp/record-sdk-metrics.js';

const RESOURCE_LABELS = { service: 'gateway', instance: 'gw-1', version: '4.3.0' };
const SCENARIOS: ReadonlyArray<Omit<SdkExportSetup, 'url'>> = [
  { encoding: 'protobuf', temporality: 'cumulative', gzip: false },
  { encoding: 'json', temporality: 'delta', gzip: true },
  { encoding: 'protobuf', temporality: 'delta', gzip: true },
  { encoding: 'json', temporality: 'cumulative', gzip: false },
];

let server: OtlpCaptureServer;

beforeAll(async () => {
  server = await startOtlpCaptureServer();
});

afterAll(async () => {
  await server.close();
});

function seriesNamed(request: CapturedRequest, name: string, labels: Record<string, string> = {}): IngestSeries[] {
  const all = request.result?.batch.series ?? [];
  return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function only(request: CapturedRequest, name: string, labels: Record<string, string> = {}): IngestSeries {
  const found = seriesNamed(request, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0] as IngestSeries;
}

function value(request: CapturedRequest, name: string, labels: Record<string, string> = {}): number {
  const series = only(request, name, labels);
  expect(series.values).toHaveLength(1);
  return series.values[0] as number;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

describe.each(SCENARIOS)('OpenTelemetry SDK → decodeOtlpMetrics ($encoding, $temporality, gzip $gzip)', (scenario) => {
  let phase1: CapturedRequest;
  let phase2: CapturedRequest;
  let shutdownFlushes: CapturedRequest[];
  let startedMs: number;
  let finishedMs: number;
  const delta = scenario.temporality === 'delta';

  beforeAll(async () => {
    const before = server.requests.length;
    startedMs = Date.now();
    await recordAndExport({ ...scenario, url: server.url });
    finishedMs = Date.now();
    // One request per explicit flush; shutdown flushes once more (checked for errors below, not mapped).
    const captured = server.requests.slice(before);
    expect(captured.length).toBeGreaterThanOrEqual(2);
    [phase1, phase2] = captured as [CapturedRequest, CapturedRequest];
    shutdownFlushes = captured.slice(2);
  });

  it('sent the negotiated encoding and was answered 200 with nothing rejected', () => {
    for (const request of [phase1, phase2, ...shutdownFlushes]) {
      expect(request.path).toBe('/v1/metrics');
      expect(request.contentType).toBe(scenario.encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
      expect(request.contentEncoding).toBe(scenario.gzip ? 'gzip' : undefined);
      expect(request.error).toBeUndefined();
      expect(request.status).toBe(200);
      expect(request.result?.rejectedDataPoints).toBe(0);
    }
  });

  it('maps the resource to the service, instance and version labels only, with times inside the run', () => {
    for (const series of phase1.result?.batch.series ?? []) {
      expect(series.labels).toMatchObject(RESOURCE_LABELS);
      expect(Object.keys(series.labels).some((k) => k.startsWith('telemetry') || k.startsWith('deployment'))).toBe(false);
      for (const t of series.timestampsMs) {
        expect(t).toBeGreaterThanOrEqual(startedMs - 1);
        expect(t).toBeLessThanOrEqual(finishedMs + 1);
      }
    }
  });

  it('maps the counter to _total with the preferred temporality', () => {
    const { phase1: p1, phase2: p2 } = RECORDING;
    const temporality = delta ? 'delta' : 'cumulative';
    expect(only(phase1, 'http_client_requests_total', { peer: 'db' }).temporality).toBe(temporality);
    expect(value(phase1, 'http_client_requests_total', { peer: 'db' })).toBe(sum(p1.requestsDb));
    expect(value(phase1, 'http_client_requests_total', { peer: 'cache' })).toBe(sum(p1.requestsCache));
    const secondDb = delta ? sum(p2.requestsDb) : sum(p1.requestsDb) + sum(p2.requestsDb);
    expect(value(phase2, 'http_client_requests_total', { peer: 'db' })).toBe(secondDb);
  });

  it('maps the up-down counter (cumulative under either preference) and the gauge to gauges', () => {
    const pool = only(phase1, 'db_pool_connections', { pool_name: 'main' });
    expect(pool).toMatchObject({ temporality: 'gauge', values: [sum(RECORDING.phase1.poolConnections)] });
    const memory = only(phase1, 'process_memory_usage_bytes', { memory_type: 'heap' });
    expect(memory).toMatchObject({ temporality: 'gauge', values: [RECORDING.phase1.memoryBytes.at(-1)] });
  });

  it('maps the explicit-bounds histogram to cumulative buckets, count and sum', () => {
    const durations = RECORDING.phase1.durationsS;
    const route = { http_route: '/v1/route' };
    for (const le of DURATION_BOUNDARIES_S) {
      const bucket = only(phase1, 'http_server_request_duration_seconds_bucket', { ...route, le: String(le) });
      expect(bucket.temporality).toBe(delta ? 'delta' : 'cumulative');
      expect(bucket.values).toEqual([durations.filter((s) => s <= le).length]);
    }
    expect(value(phase1, 'http_server_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(durations.length);
    expect(value(phase1, 'http_server_request_duration_seconds_count', route)).toBe(durations.length);
    expect(value(phase1, 'http_server_request_duration_seconds_sum', route)).toBeCloseTo(sum(durations), 12);
    const secondCount = delta ? RECORDING.phase2.durationsS.length : durations.length + RECORDING.phase2.durationsS.length;
    expect(value(phase2, 'http_server_request_duration_seconds_count', route)).toBe(secondCount);
  });

  it('received the exponential histogram at a finer scale than the target, so downscaling ran', () => {
    const raw = scenario.gzip ? gunzipSync(phase1.body) : phase1.body;
    const request = scenario.encoding === 'protobuf' ? readOtlpProtobuf(raw) : readOtlpJson(raw);
    const metrics = request.resourceMetrics?.[0]?.scopeMetrics?.flatMap((scope) => scope.metrics ?? []) ?? [];
    const point = metrics.find((m) => m.name === 'queue.wait')?.exponentialHistogram?.dataPoints?.[0];
    expect(point?.scale).toBeGreaterThan(3);
  });

  it('maps the exponential histogram to le buckets on the scale-3 grid that count the recorded values exactly', () => {
    const waits = RECORDING.phase1.queueWaitsMs;
    const buckets = seriesNamed(phase1, 'queue_wait_milliseconds_bucket');
    expect(buckets.length).toBeGreaterThan(10);
    for (const bucket of buckets) {
      expect(bucket.temporality).toBe(delta ? 'delta' : 'cumulative');
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.values, `le=${bucket.labels.le}`).toEqual([waits.filter((ms) => ms <= le).length]);
      if (le > 0 && Number.isFinite(le)) expect(Number.isInteger(Math.round(Math.log2(le) * 8 * 1e9) / 1e9)).toBe(true);
    }
    expect(value(phase1, 'queue_wait_milliseconds_count')).toBe(waits.length);
    expect(value(phase1, 'queue_wait_milliseconds_sum')).toBe(sum(waits));
    const secondCount = delta ? RECORDING.phase2.queueWaitsMs.length : waits.length + RECORDING.phase2.queueWaitsMs.length;
    expect(value(phase2, 'queue_wait_milliseconds_count')).toBe(secondCount);
  });
});
