/**
 * The {@link MetricsSource} port over a Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir,
 * VictoriaMetrics; standard endpoints only). Per requested metric name: discovers its series
 * (`/api/v1/series`), measures the scrape interval, then reads it with `query_range` at that step,
 * split into back-to-back chunks of at most 11,000 points per series. `query_range` returns the
 * last sample within the lookback at each step, which is what cumulative counters need.
 */
import { formatTimestampMs } from '../series/format-series.js';
import type { MetricsData, MetricsSource, RawSeries, SeriesRequest } from '../series/model.js';
import { MatrixAccumulator } from './matrix-accumulator.js';
import { createPrometheusClient } from './prometheus-client.js';
import { decodeMatrix, decodeSeriesList } from './prometheus-json.js';
import { PrometheusQueryError } from './prometheus-query-error.js';
import { createQueryRunner, toApiSeconds } from './prometheus-query-runner.js';
import type { QueryRunner } from './prometheus-query-runner.js';
import { MAX_POINTS_PER_REQUEST, alignedStartMs, planRangeChunks } from './prometheus-range-chunks.js';
import { discoverScrapeInterval } from './prometheus-scrape-interval.js';

export { PrometheusQueryError } from './prometheus-query-error.js';

/** Options of {@link createPrometheusMetricsSource}. */
export interface PrometheusSourceOptions {
  /** Base URL of the API, e.g. `http://prometheus:9090/` or a Mimir `…/prometheus/` prefix. */
  readonly url: string;
  /** Per-request timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Extra headers on every request (authorization, tenant id). */
  readonly headers?: Record<string, string>;
  /** Human-readable progress lines (series counts, intervals, request counts), e.g. for stderr. */
  readonly onProgress?: (message: string) => void;
  /** The fetch to use (default: the global fetch). */
  readonly fetchImpl?: typeof fetch;
  /** Max evaluation points per series in one `query_range` request (default 11,000, Prometheus' limit). */
  readonly maxPointsPerRequest?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * A {@link MetricsSource} reading raw series from a Prometheus-compatible API. `read` throws a
 * {@link PrometheusQueryError} (naming the URL, the failing request and the cause) on connection,
 * timeout, HTTP, PromQL or response errors; API `warnings` are passed on in MetricsData.warnings.
 */
export function createPrometheusMetricsSource(options: PrometheusSourceOptions): MetricsSource {
  const client = createPrometheusClient(options);
  const maxPoints = options.maxPointsPerRequest ?? MAX_POINTS_PER_REQUEST;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new PrometheusQueryError(client.url, '', `maxPointsPerRequest must be a positive integer, got ${maxPoints}`);
  }
  const progress = options.onProgress ?? ((): void => {});
  return {
    async read(request: SeriesRequest): Promise<MetricsData> {
      const runner = createQueryRunner(client);
      const series: RawSeries[] = [];
      for (const name of new Set(request.metricNames)) {
        if (!METRIC_NAME.test(name)) throw new PrometheusQueryError(client.url, '', `invalid metric name ${JSON.stringify(name)}`);
        series.push(...(await readMetric(runner, name, request, maxPoints, progress)));
      }
      return { series, warnings: runner.warnings() };
    },
  };
}

async function readMetric(
  runner: QueryRunner,
  name: string,
  request: SeriesRequest,
  maxPoints: number,
  progress: (message: string) => void,
): Promise<RawSeries[]> {
  const range = { start: toApiSeconds(request.startMs), end: toApiSeconds(request.endMs) };
  const list = await runner.run('GET', 'series', { 'match[]': name, ...range }, `series ${name}`, decodeSeriesList);
  progress(`Prometheus: ${name}: ${list.length} series`);
  if (list.length === 0) {
    const span = `${formatTimestampMs(request.startMs)} – ${formatTimestampMs(request.endMs)}`;
    runner.warn(`Prometheus: no series named ${name} between ${span}`);
    return [];
  }
  const interval = await discoverScrapeInterval(runner, name, request.startMs, request.endMs);
  const stepMs = interval.intervalMs;
  const chunks = planRangeChunks(alignedStartMs(request.startMs, stepMs, interval.phaseMs), request.endMs, stepMs, maxPoints);
  const how = interval.measured ? 'measured' : 'assumed, nothing to measure';
  if (!interval.measured) {
    runner.warn(`Prometheus: ${name}: could not measure the scrape interval (fewer than two raw samples in the probed window); assumed ${stepMs / 1000}s`);
  }
  progress(`Prometheus: ${name}: scrape interval ${stepMs / 1000}s (${how}), ${chunks.length} query_range request(s)`);
  const accumulator = new MatrixAccumulator(`prometheus: query_range ${name}`);
  for (const chunk of chunks) {
    const params = { query: name, start: toApiSeconds(chunk.startMs), end: toApiSeconds(chunk.endMs), step: String(stepMs / 1000) };
    accumulator.add(await runner.run('POST', 'query_range', params, `query_range ${name}`, decodeMatrix), name);
  }
  return accumulator.finish();
}
