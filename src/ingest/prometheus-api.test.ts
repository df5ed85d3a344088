import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCannedHttpServer } from '../../test/fixtures/ingest/canned-http-server.js';
import type { CannedHttpServer, CannedResponse, RecordedRequest } from '../../test/fixtures/ingest/canned-http-server.js';
import { createPrometheusMetricsSource, PrometheusQueryError } from './prometheus-api.js';

const T0 = Date.UTC(2026, 3, 10, 12, 0, 0);
const HOUR = 3600_000;

const matrix = (series: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>): object => ({
  status: 'success',
  data: { resultType: 'matrix', result: series },
});

/** A canned Prometheus: `m_total` scraped every 10 s, `n_total` with nothing to measure, `gone_total` without series, `broken_total` failing. */
function answer(r: RecordedRequest): CannedResponse {
  const query = r.params.get('query') ?? '';
  if (r.path === '/api/v1/series') {
    const name = r.params.get('match[]') ?? '';
    return { body: { status: 'success', data: name === 'gone_total' ? [] : [{ __name__: name, job: 'x' }] } };
  }
  if (r.path === '/api/v1/query_range' && query.startsWith('count(')) {
    const hasData = query.includes('m_total') || query.includes('broken_total');
    // short_total: data only in the range's first probe step (a short range scraped every 250 ms).
    if (query.includes('short_total')) return { body: matrix([{ metric: {}, values: [[T0 / 1000, '1']] }]) };
    return { body: matrix(hasData ? [{ metric: {}, values: [[T0 / 1000 + 1800, '2']] }] : []) };
  }
  if (r.path === '/api/v1/query' && query.startsWith('short_total')) {
    const time = Number(r.params.get('time'));
    const values: Array<[number, string]> = [];
    for (let t = T0 / 1000; t <= Math.min(time, T0 / 1000 + 60); t += 0.25) values.push([t, String(t)]);
    return { body: matrix([{ metric: { __name__: 'short_total', job: 'x' }, values }]) };
  }
  if (r.path === '/api/v1/query') {
    const time = Number(r.params.get('time'));
    const values: Array<[number, string]> = [[time - 20, '1'], [time - 10, '2'], [time, '3']];
    return { body: matrix([{ metric: { __name__: 'm_total', job: 'x' }, values }]) };
  }
  if (r.path === '/api/v1/query_range' && query === 'broken_total') {
    return { status: 422, body: { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory' } };
  }
  if (r.path === '/api/v1/query_range') return rangeAnswer(r, query);
  return { status: 404, body: 'not found' };
}

function rangeAnswer(r: RecordedRequest, query: string): CannedResponse {
  const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(r.params.get(k))) as [number, number, number];
  const values: Array<[number, string]> = [];
  for (let t = start; t <= end + 1e-9; t += step) values.push([Math.round(t * 1000) / 1000, String(Math.round(t * 1000) / 1000 / 10)]);
  return { body: { ...matrix([{ metric: { __name__: query, job: 'x' }, values }]), warnings: ['scanned too much'] } };
}

let server: CannedHttpServer;
beforeAll(async () => {
  server = await startCannedHttpServer(answer);
});
afterAll(() => server.close());

describe('createPrometheusMetricsSource', () => {
  it('discovers the interval, splits query_range into contiguous chunks and dedups warnings', async () => {
    const progress: string[] = [];
    const source = createPrometheusMetricsSource({ url: server.url, maxPointsPerRequest: 100, onProgress: (m) => progress.push(m) });
    const before = server.requests.length;
    const data = await source.read({ metricNames: ['m_total'], startMs: T0, endMs: T0 + HOUR });
    const ranges = server.requests.slice(before).filter((r) => r.path === '/api/v1/query_range' && r.params.get('query') === 'm_total');
    expect(ranges.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'POST']);
    const chunks = ranges.map((r) => ['start', 'end'].map((k) => Number(r.params.get(k)) * 1000) as [number, number]);
    expect(chunks[0]?.[0]).toBe(T0);
    expect(chunks.at(-1)?.[1]).toBe(T0 + HOUR);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.[0]).toBe((chunks[i - 1]?.[1] ?? 0) + 10_000);
    for (const [s, e] of chunks) expect((e - s) / 10_000 + 1).toBeLessThanOrEqual(100);
    expect(ranges.every((r) => r.params.get('step') === '10')).toBe(true);
    expect(data.series).toHaveLength(1);
    const s = data.series[0];
    expect(s?.labels).toEqual({ job: 'x' });
    expect(s?.origin).toBe('prometheus: query_range m_total');
    expect(s?.timestampsMs).toHaveLength(361);
    expect(s?.values[360]).toBe((T0 + HOUR) / 10_000);
    expect(data.warnings).toEqual([`Prometheus at ${server.url}: scanned too much (while running query_range m_total)`]);
    expect(progress).toEqual(['Prometheus: m_total: 1 series', 'Prometheus: m_total: scrape interval 10s (measured), 4 query_range request(s)']);
  });

  it('measures the interval of a short range whose data starts with it (the raw window reaches forward)', async () => {
    const progress: string[] = [];
    const source = createPrometheusMetricsSource({ url: server.url, onProgress: (m) => progress.push(m) });
    const data = await source.read({ metricNames: ['short_total'], startMs: T0, endMs: T0 + 60_000 });
    expect(progress).toContain('Prometheus: short_total: scrape interval 0.25s (measured), 1 query_range request(s)');
    expect(data.warnings.filter((w) => w.includes('could not measure'))).toEqual([]);
  });

  it('falls back to a 15 s step when there is nothing to measure, and warns about metrics without series', async () => {
    const progress: string[] = [];
    const source = createPrometheusMetricsSource({ url: server.url, onProgress: (m) => progress.push(m) });
    const data = await source.read({ metricNames: ['n_total', 'gone_total'], startMs: T0, endMs: T0 + HOUR });
    expect(progress).toContain('Prometheus: n_total: scrape interval 15s (assumed, nothing to measure), 1 query_range request(s)');
    expect(data.series[0]?.timestampsMs).toHaveLength(241);
    expect(data.warnings).toContain('Prometheus: no series named gone_total between 2026-04-10T12:00:00.000Z – 2026-04-10T13:00:00.000Z');
    expect(data.warnings).toContain('Prometheus: n_total: could not measure the scrape interval (fewer than two raw samples in the probed window); assumed 15s');
  });

  it('throws PrometheusQueryError naming the failing query_range and the PromQL error', async () => {
    const source = createPrometheusMetricsSource({ url: server.url });
    const read = source.read({ metricNames: ['broken_total'], startMs: T0, endMs: T0 + HOUR });
    await expect(read).rejects.toBeInstanceOf(PrometheusQueryError);
    await expect(source.read({ metricNames: ['broken_total'], startMs: T0, endMs: T0 + HOUR })).rejects.toThrow(
      `Prometheus at ${server.url}: HTTP 422 Unprocessable Entity, execution: query processing would load too many samples into memory while running query_range broken_total`,
    );
  });

  it('refuses invalid metric names and chunk sizes', async () => {
    const source = createPrometheusMetricsSource({ url: server.url });
    await expect(source.read({ metricNames: ['up{job="x"}'], startMs: T0, endMs: T0 + HOUR })).rejects.toThrow('invalid metric name "up{job=\\"x\\"}"');
    expect(() => createPrometheusMetricsSource({ url: server.url, maxPointsPerRequest: 0 })).toThrow('maxPointsPerRequest must be a positive integer');
  });
});
