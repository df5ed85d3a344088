/**
 * Fuzz targets of the pull decoder: Prometheus HTTP API answers, read through the real client
 * (`createPrometheusClient`, real HTTP to a loopback server in this process that answers the fuzzed
 * body) and decoded as the pull source decodes them (`decodeMatrix` into a `MatrixAccumulator`,
 * `decodeSeriesList`), and a whole `createPrometheusMetricsSource` read whose data queries all get
 * the fuzzed body. The documented refusal is a {@link PrometheusQueryError}.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { MatrixAccumulator } from '../../../src/ingest/matrix-accumulator.js';
import { createPrometheusMetricsSource } from '../../../src/ingest/prometheus-api.js';
import { createPrometheusClient } from '../../../src/ingest/prometheus-client.js';
import { decodeMatrix, decodeSeriesList } from '../../../src/ingest/prometheus-json.js';
import { PrometheusQueryError } from '../../../src/ingest/prometheus-query-error.js';
import { createQueryRunner } from '../../../src/ingest/prometheus-query-runner.js';
import type { FuzzTargets } from './fuzz-target.js';
import { numberParam, seriesFacts } from './fuzz-target.js';

/** The metric the source target reads; its `/api/v1/series` answer is the one a real Prometheus gave. */
const METRIC = 'http_client_retries_total';
const SERIES_ANSWER = readFileSync(new URL(`../../fixtures/prometheus-api/series-${METRIC}.json`, import.meta.url));
/** The range the source target reads: the captured data's five minutes. */
const RANGE = { startMs: Date.UTC(2026, 3, 10, 12, 0, 0), endMs: Date.UTC(2026, 3, 10, 12, 5, 0) };

/** What the loopback server answers next (the captured series list for `/api/v1/series` when `realSeries`), and how many requests it got. */
const answer = { status: 200, body: new Uint8Array(), realSeries: false, requests: 0 };
let server: Promise<{ url: string; server: Server }> | undefined;

/** The loopback server (started on first use, closed when the child exits). */
function loopback(): Promise<{ url: string; server: Server }> {
  server ??= new Promise((resolve) => {
    const http = createServer((request, response) => {
      answer.requests++;
      request.resume();
      request.on('end', () => {
        const series = answer.realSeries && request.url?.startsWith('/api/v1/series') === true;
        response.writeHead(series ? 200 : answer.status, { 'Content-Type': 'application/json' });
        response.end(series ? SERIES_ANSWER : answer.body);
      });
    });
    http.listen(0, '127.0.0.1', () => {
      http.unref();
      resolve({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`, server: http });
    });
  });
  return server;
}

/** Serves `input` with `status` to the next requests (but the captured series list when `realSeries`); returns the server's URL. */
async function serve(input: Uint8Array, status: number, realSeries = false): Promise<string> {
  const { url } = await loopback();
  Object.assign(answer, { body: input, status, realSeries, requests: 0 });
  return url;
}

const isQueryError = (error: unknown): boolean => error instanceof PrometheusQueryError;

/** The pull targets by name. */
export const PULL_TARGETS: FuzzTargets = {
  'prometheus-matrix': {
    async run(input, params) {
      const url = await serve(input, numberParam(params, 'status', 200));
      const runner = createQueryRunner(createPrometheusClient({ url, timeoutMs: 10_000 }));
      const matrix = await runner.run('POST', 'query_range', { query: METRIC }, `query_range ${METRIC}`, decodeMatrix);
      const accumulator = new MatrixAccumulator('fuzz');
      accumulator.add(matrix, METRIC);
      return { ...seriesFacts(accumulator.finish()), warnings: runner.warnings().length };
    },
    documented: isQueryError,
  },
  'prometheus-series': {
    async run(input, params) {
      const url = await serve(input, numberParam(params, 'status', 200));
      const runner = createQueryRunner(createPrometheusClient({ url, timeoutMs: 10_000 }));
      const list = await runner.run('GET', 'series', { 'match[]': METRIC }, `series ${METRIC}`, decodeSeriesList);
      return { labelSets: list.length, labels: list.reduce((n, labels) => n + Object.keys(labels).length, 0) };
    },
    documented: isQueryError,
  },
  'prometheus-source': {
    async run(input, params) {
      const url = await serve(input, numberParam(params, 'status', 200), true);
      const source = createPrometheusMetricsSource({ url, timeoutMs: 10_000 });
      const data = await source.read({ metricNames: [METRIC], ...RANGE });
      return { ...seriesFacts(data.series), requests: answer.requests };
    },
    documented: isQueryError,
  },
};
