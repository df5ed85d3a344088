/**
 * Integration test of the Prometheus HTTP API reader against a real Prometheus 2.42: an OpenMetrics
 * file is turned into TSDB blocks with promtool, served by a Prometheus started here on a free
 * loopback port, and read back through the API reader; per-slice counter increments must agree with
 * those computed from the same file through the file parser.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOpenMetricsFiles } from '../../src/ingest/openmetrics-file.js';
import { createPrometheusMetricsSource, PrometheusQueryError } from '../../src/ingest/prometheus-api.js';
import { counterIncrements, gaugeAt } from '../../src/series/counter-increments.js';
import { labelsKey } from '../../src/series/model.js';
import type { MetricsData, RawSeries, SeriesRequest } from '../../src/series/model.js';
import { unusedPort } from '../fixtures/ingest/canned-http-server.js';
import { writeOpenMetrics } from '../fixtures/ingest/openmetrics-generator.js';
import { startPrometheus } from '../support/prometheus-process.js';
import type { PrometheusProcess } from '../support/prometheus-process.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const available = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!available) console.warn(`SKIPPED prometheus-reader integration test: ${PROMETHEUS} or ${PROMTOOL} is not installed`);

const START_MS = Date.UTC(2026, 3, 10, 9, 0, 0);
const DURATION_MS = 3 * 3600_000;
const COUNTERS = ['http_client_retries_total', 'http_client_requests_total', 'http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count'];
const REQUEST: SeriesRequest = { metricNames: [...COUNTERS, 'dten_build_info'], startMs: START_MS, endMs: START_MS + DURATION_MS };
const GRID = { startMs: START_MS, sliceMs: 60_000, count: DURATION_MS / 60_000 };

describe.skipIf(!available)('Prometheus API reader against a real Prometheus 2.42', () => {
  let dir = '';
  let omPath = '';
  let url = '';
  let prometheus: PrometheusProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shiftguard-prom-'));
    omPath = join(dir, 'metrics.om');
    await writeOpenMetrics(omPath, { startMs: START_MS, durationMs: DURATION_MS, intervalMs: 15_000, instances: ['sync-1:9100', 'sync-2:9100'], format: 'openmetrics', seed: 11, resetAtScrape: 300 });
    const tsdb = join(dir, 'tsdb');
    await promisify(execFile)(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', omPath, tsdb]);
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
    prometheus = await startPrometheus({ binary: PROMETHEUS, configPath: config, dir, tsdbPath: tsdb, extraArgs: ['--storage.tsdb.retention.time=100y'] });
    url = `${prometheus.url}/`;
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reads the same series as the file parser, with equal per-slice increments on interior slices', async () => {
    const fromFile = await readOpenMetricsFiles([omPath], REQUEST);
    const progress: string[] = [];
    const fromApi = await createPrometheusMetricsSource({ url, onProgress: (m) => progress.push(m) }).read(REQUEST);
    expect(fromApi.warnings).toEqual([]);
    expect(identities(fromApi)).toEqual(identities(fromFile));
    expect(fromFile.series).toHaveLength(2 * (2 + 7 + 1) + 2);
    expect(progress).toContain('Prometheus: http_server_request_duration_seconds_bucket: 14 series');
    let compared = 0;
    for (const fileSeries of fromFile.series.filter((s) => COUNTERS.includes(s.name))) {
      const a = counterIncrements(fileSeries, GRID);
      const b = counterIncrements(match(fromApi, fileSeries), GRID);
      for (let k = 1; k < GRID.count - 1; k++) {
        expect(Math.abs((b.increments[k] ?? NaN) - (a.increments[k] ?? NaN))).toBeLessThanOrEqual(1e-9 * Math.max(1, a.increments[k] ?? 0));
        compared++;
      }
      expect(b.resets).toBe(a.resets);
    }
    expect(compared).toBeGreaterThan(18 * 170);
    const withReset = fromFile.series.find((s) => s.name === 'http_client_retries_total' && s.labels.instance === 'sync-1:9100');
    expect(counterIncrements(withReset as RawSeries, GRID).resets).toBe(1);
    for (const gauge of fromFile.series.filter((s) => s.name === 'dten_build_info')) {
      expect([...gaugeAt(match(fromApi, gauge), GRID)]).toEqual([...gaugeAt(gauge, GRID)]);
    }
  });

  it('splits query_range into chunks of at most maxPointsPerRequest points with identical results', async () => {
    const ranges: Array<{ start: number; end: number; step: number }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/v1/query_range')) {
        const p = new URLSearchParams(String(init?.body ?? ''));
        if (p.get('query') === 'http_client_retries_total') ranges.push({ start: Number(p.get('start')), end: Number(p.get('end')), step: Number(p.get('step')) });
      }
      return fetch(input, init);
    };
    const request = { ...REQUEST, metricNames: ['http_client_retries_total'] };
    const chunked = await createPrometheusMetricsSource({ url, maxPointsPerRequest: 50, fetchImpl: recordingFetch }).read(request);
    const whole = await createPrometheusMetricsSource({ url }).read(request);
    expect(ranges).toHaveLength(Math.ceil((DURATION_MS / 15_000 + 1) / 50));
    for (const r of ranges) expect((r.end - r.start) / r.step + 1).toBeLessThanOrEqual(50);
    for (let i = 1; i < ranges.length; i++) expect((ranges[i]?.start ?? 0) * 1000).toBe(((ranges[i - 1]?.end ?? 0) + 15) * 1000);
    expect(chunked.series.map((s) => [s.labels, [...s.timestampsMs], [...s.values]])).toEqual(whole.series.map((s) => [s.labels, [...s.timestampsMs], [...s.values]]));
    expect(chunked.series[0]?.timestampsMs).toHaveLength(DURATION_MS / 15_000 + 1);
  });

  it('reports an unreachable Prometheus with the URL, the request and the cause', async () => {
    const deadUrl = `http://127.0.0.1:${await unusedPort()}/`;
    const read = createPrometheusMetricsSource({ url: deadUrl }).read(REQUEST);
    await expect(read).rejects.toBeInstanceOf(PrometheusQueryError);
    await expect(createPrometheusMetricsSource({ url: deadUrl }).read(REQUEST)).rejects.toThrow(
      `Prometheus at ${deadUrl}: cannot connect (ECONNREFUSED) while running series http_client_retries_total`,
    );
  });
});

function identities(data: MetricsData): string[] {
  return data.series.map((s) => `${s.name}{${labelsKey(s.labels)}}`).sort();
}

function match(data: MetricsData, s: RawSeries): RawSeries {
  const found = data.series.find((x) => x.name === s.name && labelsKey(x.labels) === labelsKey(s.labels));
  if (found === undefined) throw new Error(`series ${s.name}{${labelsKey(s.labels)}} not read from Prometheus`);
  return found;
}

