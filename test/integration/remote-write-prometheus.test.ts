/**
 * Integration test of the remote-write 1.0 decoder against a real Prometheus 2.42: Prometheus scrapes a
 * small exporter every second and remote-writes to a receiver in this test that decodes every request
 * with `decodeRemoteWrite` (metadata remembered across requests) and answers 204. The decoded series
 * must carry the exporter's names and labels plus the scrape's `job` and `instance`, increasing counter
 * values, and temporalities from Prometheus' metadata.
 *
 * With SHIFTGUARD_CAPTURE_REMOTE_WRITE_FIXTURE=1 it also rewrites the fixtures in
 * `test/fixtures/remote-write/` (see the README there).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSeries } from '../../src/series/model.js';
import { startCaptureServer } from '../fixtures/remote-write/remote-write-capture-server.js';
import type { CaptureServer, CapturedWrite } from '../fixtures/remote-write/remote-write-capture-server.js';
import { startDemoExporter } from '../fixtures/remote-write/demo-exporter.js';
import type { DemoExporter } from '../fixtures/remote-write/demo-exporter.js';
import { startPrometheus } from '../support/prometheus-process.js';
import type { PrometheusProcess } from '../support/prometheus-process.js';

const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
const WAIT_MS = 30_000;
const FIXTURES = fileURLToPath(new URL('../fixtures/remote-write/', import.meta.url));

if (!available && process.env.CI === undefined) console.warn(`SKIPPED remote-write integration test: ${PROMETHEUS} is not installed`);

describe.runIf(!available && process.env.CI !== undefined)('remote-write against a real Prometheus (CI)', () => {
  it('needs Prometheus', () => {
    throw new Error(`${PROMETHEUS} is missing; CI must run scripts/ensure-test-deps.sh (apt-get install prometheus) first`);
  });
});

describe.skipIf(!available)('remote-write 1.0 decoding of a real Prometheus 2.42 sender', () => {
  let dir = '';
  let exporter: DemoExporter | undefined;
  let capture: CaptureServer | undefined;
  let prometheus: PrometheusProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shiftguard-rw-'));
    exporter = await startDemoExporter();
    capture = await startCaptureServer();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, prometheusConfig(exporter.target, capture.writeUrl));
    prometheus = await startPrometheus({ binary: PROMETHEUS, configPath: config, dir });
    await waitFor(() => enoughData(capture as CaptureServer), `remote writes with metadata and 3 scrapes of demo_requests_total (log: ${prometheus.logPath})`);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await capture?.close();
    await exporter?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('receives remote-write 1.0 headers and decodes every request without error', () => {
    const writes = capture?.writes ?? [];
    expect(writes.filter((w) => w.error !== undefined).map((w) => w.error)).toEqual([]);
    for (const { headers } of writes) {
      expect(headers).toMatchObject({ contentType: 'application/x-protobuf', contentEncoding: 'snappy', remoteWriteVersion: '0.1.0' });
      expect(headers.userAgent).toMatch(/^Prometheus\/\d+\./);
    }
    expect(capture?.metricTypes.get('demo_latency_seconds')).toBe('histogram');
    expect(capture?.metricTypes.get('demo_queue_depth')).toBe('gauge');
  });

  it('maps names, exposed labels and the scrape labels job and instance', () => {
    const series = allSeries(capture);
    const target = exporter?.target;
    const requests = series.find((s) => s.name === 'demo_requests_total');
    expect(requests?.labels).toEqual({ job: 'demo', instance: target, route: '/orders' });
    const buckets = series.filter((s) => s.name === 'demo_latency_seconds_bucket');
    expect(new Set(buckets.map((s) => s.labels.le))).toEqual(new Set(['0.1', '0.5', '+Inf']));
    for (const bucket of buckets) expect(bucket.labels).toMatchObject({ job: 'demo', instance: target });
    expect(series.find((s) => s.name === 'demo_queue_depth')?.labels).toEqual({ job: 'demo', instance: 'worker-1', service: 'checkout' });
    const names = new Set(series.map((s) => s.name));
    for (const name of ['demo_latency_seconds_sum', 'demo_latency_seconds_count', 'demo_jobs_processed', 'up']) expect(names).toContain(name);
  });

  it('delivers increasing cumulative values with millisecond timestamps', () => {
    const points = samplesOf(allSeries(capture), 'demo_requests_total');
    expect(points.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]?.[0]).toBeGreaterThan(points[i - 1]?.[0] ?? Infinity);
      expect(points[i]?.[1]).toBeGreaterThan(points[i - 1]?.[1] ?? Infinity);
    }
    const nowMs = Date.now();
    expect(points[0]?.[0]).toBeGreaterThan(nowMs - 5 * 60_000);
    expect(points[0]?.[0]).toBeLessThanOrEqual(nowMs);
    expect((points[0]?.[1] ?? 0) % 10).toBe(0);
  });

  it('sets temporality from the metadata Prometheus sends', () => {
    const afterMetadata = seriesAfterMetadata(capture?.writes ?? []);
    const temporality = (name: string): string[] => [...new Set(afterMetadata.filter((s) => s.name === name).map((s) => s.temporality))];
    expect(temporality('demo_requests_total')).toEqual(['cumulative']);
    expect(temporality('demo_latency_seconds_bucket')).toEqual(['cumulative']);
    expect(temporality('demo_latency_seconds_count')).toEqual(['cumulative']);
    expect(temporality('demo_latency_seconds_sum')).toEqual(['cumulative']);
    expect(temporality('demo_queue_depth')).toEqual(['gauge']);
    // A counter without the `_total` suffix: only its metadata makes it cumulative.
    expect(temporality('demo_jobs_processed')).toEqual(['cumulative']);
  });

  it.runIf(process.env.SHIFTGUARD_CAPTURE_REMOTE_WRITE_FIXTURE === '1')('captures the fixtures', () => {
    const writes = capture?.writes ?? [];
    const samples = writes.find((w) => (w.batch?.series ?? []).some((s) => s.name === 'demo_latency_seconds_bucket'));
    const metadata = writes.find((w) => w.batch?.series.length === 0);
    expect(samples).toBeDefined();
    expect(metadata).toBeDefined();
    writeFileSync(join(FIXTURES, 'prometheus-2.42.bin'), samples?.body ?? Buffer.alloc(0));
    writeFileSync(join(FIXTURES, 'prometheus-2.42-metadata.bin'), metadata?.body ?? Buffer.alloc(0));
  });
});

function prometheusConfig(target: string, writeUrl: string): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    'scrape_configs:',
    '  - job_name: demo',
    '    honor_labels: true',
    '    static_configs:',
    `      - targets: ['${target}']`,
    'remote_write:',
    `  - url: ${writeUrl}`,
    '    queue_config:',
    '      batch_send_deadline: 500ms',
    '      min_backoff: 50ms',
    '      max_backoff: 500ms',
    '    metadata_config:',
    '      send: true',
    '      send_interval: 1s',
    '',
  ].join('\n');
}

function allSeries(capture: CaptureServer | undefined): IngestSeries[] {
  return (capture?.writes ?? []).flatMap((w) => w.batch?.series ?? []);
}

function samplesOf(series: IngestSeries[], name: string): Array<[number, number]> {
  const points = series.filter((s) => s.name === name).flatMap((s) => s.timestampsMs.map((t, i): [number, number] => [t, s.values[i] ?? NaN]));
  return points.sort((a, b) => a[0] - b[0]);
}

/** Series of the writes received after the first one that carried metadata for `demo_jobs_processed`. */
function seriesAfterMetadata(writes: CapturedWrite[]): IngestSeries[] {
  const first = writes.findIndex((w) => w.batch !== undefined && w.batch.series.length === 0 && w.body.length > 0);
  return first < 0 ? [] : writes.slice(first + 1).flatMap((w) => w.batch?.series ?? []);
}

function enoughData(capture: CaptureServer): boolean {
  if (capture.writes.some((w) => w.error !== undefined)) return true;
  const afterMetadata = seriesAfterMetadata(capture.writes);
  return (
    samplesOf(allSeries(capture), 'demo_requests_total').length >= 3 &&
    capture.metricTypes.get('demo_jobs_processed') === 'counter' &&
    ['demo_jobs_processed', 'demo_queue_depth', 'demo_latency_seconds_bucket'].every((name) => afterMetadata.some((s) => s.name === name))
  );
}

/** Polls `done` every 200 ms for at most 30 s. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
