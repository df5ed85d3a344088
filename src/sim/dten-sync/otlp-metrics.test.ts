/**
 * The instruments of one simulated instance, exported by the real OpenTelemetry SDK and OTLP/HTTP
 * protobuf exporter to a loopback receiver that decodes each body with shiftguard's own OTLP ingest
 * (decodeOtlpMetrics, the default `labels` configuration): the series names and labels are checked
 * as shiftguard will store them.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../config/shiftguard-config.js';
import { decodeOtlpMetrics } from '../../ingest/otlp/index.js';
import type { IngestSeries } from '../../series/model.js';
import { DURATION_BUCKETS_SECONDS, createInstanceMetrics, otlpMetricsUrl } from './otlp-metrics.js';
import type { ExportTally } from './otlp-metrics.js';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly series: IngestSeries[];
  readonly rejected: number;
}

let server: Server;
let base: string;
let received: Received[];

beforeEach(async () => {
  received = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const decoded = decodeOtlpMetrics(new Uint8Array(Buffer.concat(chunks)), { contentType: request.headers['content-type'] }, {
        maxDecodedBytes: 20 * 2 ** 20,
        labels: defaultConfig().labels,
      });
      received.push({ headers: request.headers, series: decoded.batch.series, rejected: decoded.rejectedDataPoints });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** `name{label="value",…}` with sorted labels, `le` left out. */
function seriesKey(series: IngestSeries): string {
  const labels = Object.entries(series.labels).filter(([k]) => k !== 'le').sort(([a], [b]) => a.localeCompare(b));
  return `${series.name}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

function lastValue(series: readonly IngestSeries[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.values[found.values.length - 1];
}

describe('dten-sync instance metrics through the real OTLP protobuf exporter into shiftguard ingest', () => {
  it('arrive as the retries, latency and build-info series of config/shiftguard.yaml, with the bearer token', async () => {
    let version = '1.0.0';
    const tally: ExportTally = { ok: 0, failed: 0, lastError: null };
    const metrics = createInstanceMetrics('dten-sync-3', { shiftguardUrl: base, ingestToken: 'ingest-t', exportIntervalMs: 60_000 }, () => version, tally);
    metrics.recordRequest(0, 0.012);
    metrics.recordRequest(2, 0.83);
    metrics.recordRequest(1, 0.42);
    await metrics.forceFlush();

    expect(received).toHaveLength(1);
    const first = received[0] as Received;
    expect(first.headers['authorization']).toBe('Bearer ingest-t');
    expect(first.headers['content-type']).toBe('application/x-protobuf');
    expect(first.rejected).toBe(0);
    const keys = new Set(first.series.map(seriesKey));
    expect([...keys].sort()).toEqual([
      'dten_build_info{binary="dten-sync",instance="dten-sync-3",service="dten-sync",version="1.0.0"}',
      'http_client_requests_total{instance="dten-sync-3",peer="partner",service="dten-sync"}',
      'http_client_retries_total{instance="dten-sync-3",peer="partner",service="dten-sync"}',
      'http_server_request_duration_seconds_bucket{endpoint="/sync",instance="dten-sync-3",service="dten-sync"}',
      'http_server_request_duration_seconds_count{endpoint="/sync",instance="dten-sync-3",service="dten-sync"}',
      'http_server_request_duration_seconds_sum{endpoint="/sync",instance="dten-sync-3",service="dten-sync"}',
    ]);
    expect(lastValue(first.series, 'http_client_requests_total')).toBe(3);
    expect(lastValue(first.series, 'http_client_retries_total')).toBe(3);
    expect(lastValue(first.series, 'http_server_request_duration_seconds_count')).toBe(3);
    expect(lastValue(first.series, 'http_server_request_duration_seconds_sum')).toBeCloseTo(1.262, 9);
    const les = first.series.filter((s) => s.name === 'http_server_request_duration_seconds_bucket').map((s) => s.labels['le']);
    expect(les).toHaveLength(DURATION_BUCKETS_SECONDS.length + 1);
    expect(lastValue(first.series, 'http_server_request_duration_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(lastValue(first.series, 'http_server_request_duration_seconds_bucket', { le: '0.5' })).toBe(2);
    expect(lastValue(first.series, 'http_server_request_duration_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(first.series.every((s) => s.temporality === 'cumulative' || s.name === 'dten_build_info')).toBe(true);

    version = '2.0.0';
    metrics.recordRequest(0, 0.02);
    await metrics.shutdown();
    const final = received[received.length - 1] as Received;
    // Only the version running now: the old one is not reported as still running.
    expect(final.series.filter((s) => s.name === 'dten_build_info').map((s) => [s.labels['version'], s.values.at(-1)])).toEqual([['2.0.0', 1]]);
    expect(lastValue(final.series, 'http_client_requests_total')).toBe(4);
    expect(tally).toEqual({ ok: received.length, failed: 0, lastError: null });
  });

  it('starts both counters at 0, so the first retry is an increment of an existing series', async () => {
    const tally: ExportTally = { ok: 0, failed: 0, lastError: null };
    const metrics = createInstanceMetrics('dten-sync-0', { shiftguardUrl: base, ingestToken: 't', exportIntervalMs: 60_000 }, () => '1.0.0', tally);
    await metrics.forceFlush();
    expect(lastValue(received[0]?.series ?? [], 'http_client_requests_total')).toBe(0);
    expect(lastValue(received[0]?.series ?? [], 'http_client_retries_total')).toBe(0);
    await metrics.shutdown();
  });

  it('counts failed exports with their reason', async () => {
    const tally: ExportTally = { ok: 0, failed: 0, lastError: null };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"no"}}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const metrics = createInstanceMetrics('dten-sync-0', { shiftguardUrl: url, ingestToken: 'wrong', exportIntervalMs: 60_000 }, () => '1.0.0', tally);
    await metrics.forceFlush().catch(() => undefined);
    expect(tally.failed).toBe(1);
    expect(tally.lastError).toMatch(/401|Unauthorized/i);
    await metrics.shutdown().catch(() => undefined);
  });

  it('posts to <shiftguard>/v1/metrics', () => {
    expect(otlpMetricsUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/v1/metrics');
    expect(otlpMetricsUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/v1/metrics');
  });
});
