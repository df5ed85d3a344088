/**
 * The soak's OTLP load: a few instances of one service (`soak-otlp`), each exporting its metrics
 * over OTLP/HTTP protobuf as the OpenTelemetry SDK's periodic reader does: every `intervalMs`, one
 * `ExportMetricsServiceRequest` with cumulative points since the load started. Per endpoint a
 * request-duration histogram (the fleet's bucket bounds), and request and retry counters for one
 * peer: after the OTLP → Prometheus mapping, the series the configured latency and retries signals
 * read (`http_server_request_duration_seconds_*`, `http_client_requests_total`, `http_client_retries_total`).
 *
 * Export `m` of an instance is a pure function of (seed, instance, m); its cumulative counts grow by
 * about their per-interval rate, so an exporter that was held back by a 503 and exports the newest
 * collection next loses no counts, as with the SDK.
 */
import { exportMetricsRequestType } from '../../src/ingest/otlp/otlp-schema.js';
import { hashUnit } from './remote-write-fleet.js';

/** The service the OTLP instances report as (`service.name`). */
export const OTLP_SERVICE = 'soak-otlp';
/** Request headers of an OTLP/HTTP protobuf exporter (plus the bearer token). */
export const OTLP_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'application/x-protobuf', 'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.223.0 (shiftguard soak)' };

const ENDPOINTS = ['/checkout', '/cart'];
const PEER = 'payments';
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Observations per bucket and interval, per endpoint (the buckets of `BOUNDS` and above). */
const BUCKET_RATES = [
  [20, 60, 90, 40, 12, 5, 2, 1, 0, 0, 0, 0],
  [10, 30, 50, 50, 20, 8, 3, 1, 1, 0, 0, 0],
];
const REQUESTS_PER_INTERVAL = 120;
const RETRIES_PER_INTERVAL = 7;
/** OTLP `AggregationTemporality.CUMULATIVE`. */
const CUMULATIVE = 2;
/** Salt of the OTLP instances' noise in {@link hashUnit}. */
const OTLP_SALT = 0x6f74_6c70;

/** Samples one export turns into in the series store: per endpoint buckets (+Inf included), `_count` and `_sum`; the two counters. */
export const OTLP_SAMPLES_PER_EXPORT = ENDPOINTS.length * (BOUNDS.length + 1 + 2) + 2;

/** The OTLP instances and their export clock. */
export interface OtlpPlan {
  readonly seed: number;
  readonly instances: number;
  /** Start of every instance's cumulative points, epoch ms. */
  readonly startMs: number;
  readonly intervalMs: number;
}

/** Name of OTLP instance `i` (`service.instance.id`). */
export function otlpInstanceName(i: number): string {
  return `otlp-${i}`;
}

/** The newest export due at `nowMs` (export m happens at `startMs + (m + 1) × intervalMs`); −1 before the first. */
export function newestExport(plan: OtlpPlan, nowMs: number): number {
  return Math.floor((nowMs - plan.startMs) / plan.intervalMs) - 1;
}

/** When export `m` happens, epoch ms. */
export function exportTimeMs(plan: OtlpPlan, m: number): number {
  return plan.startMs + (m + 1) * plan.intervalMs;
}

/** Body of export `m` of instance `i`: an OTLP/HTTP protobuf `ExportMetricsServiceRequest`. */
export function encodeExport(plan: OtlpPlan, i: number, m: number): Uint8Array {
  return exportMetricsRequestType.encode(exportMetricsRequestType.fromObject(exportRequest(plan, i, m))).finish();
}

/** The request of {@link encodeExport} in OTLP/JSON shape (lowerCamelCase, 64-bit integers as decimal strings). */
export function exportRequest(plan: OtlpPlan, i: number, m: number): object {
  const start = nanos(plan.startMs);
  const time = nanos(exportTimeMs(plan, m));
  const n = m + 1;
  const attribute = (key: string, value: string): object => ({ key, value: { stringValue: value } });
  const histogramPoints = ENDPOINTS.map((endpoint, e) => {
    const u = hashUnit(plan.seed, OTLP_SALT, i * 16 + e, m);
    const counts = (BUCKET_RATES[e] ?? []).map((rate) => grown(rate, n, u));
    const sum = counts.reduce((total, c, b) => total + c * midpoint(b), 0);
    const count = counts.reduce((a, b) => a + b, 0);
    return { attributes: [attribute('endpoint', endpoint)], startTimeUnixNano: start, timeUnixNano: time, count: String(count), sum, bucketCounts: counts.map(String), explicitBounds: BOUNDS };
  });
  const u = hashUnit(plan.seed, OTLP_SALT, i * 16 + 15, m);
  const counter = (name: string, rate: number): object => ({
    name,
    unit: name.endsWith('retries') ? '{retry}' : '{request}',
    sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ attributes: [attribute('peer', PEER)], startTimeUnixNano: start, timeUnixNano: time, asInt: String(grown(rate, n, u)) }] },
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [attribute('service.name', OTLP_SERVICE), attribute('service.instance.id', otlpInstanceName(i))] },
        scopeMetrics: [
          {
            scope: { name: 'shiftguard-soak' },
            metrics: [
              { name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: CUMULATIVE, dataPoints: histogramPoints } },
              counter('http.client.requests', REQUESTS_PER_INTERVAL),
              counter('http.client.retries', RETRIES_PER_INTERVAL),
            ],
          },
        ],
      },
    ],
  };
}

/** A count growing by about `rate` per interval: `rate × n + floor(0.9 × rate × u)`, non-decreasing in n for a u in [0, 1). */
function grown(rate: number, n: number, u: number): number {
  return rate * n + Math.floor(0.9 * rate * u);
}

function midpoint(bucket: number): number {
  const upper = BOUNDS[bucket];
  const lower = bucket === 0 ? 0 : (BOUNDS[bucket - 1] ?? 0);
  return upper === undefined ? 1.5 * lower : (lower + upper) / 2;
}

function nanos(ms: number): string {
  return `${ms}000000`;
}
