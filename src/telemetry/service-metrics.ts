/**
 * The service's own Prometheus metrics (prom-client), all prefixed `shiftguard_` and named after
 * Prometheus conventions (`_total`, `_seconds`). One registry per service instance, so tests and
 * several apps in one process never share state.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'code'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly analysisDuration: Histogram<'outcome'>;
  readonly upgrades: Gauge<'status'>;
}

/** Creates the registry with the process metrics (`shiftguard_process_*`, `shiftguard_nodejs_*`). */
export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shiftguard_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'shiftguard_http_requests_total',
      help: 'HTTP requests served, by route template, method and status code.',
      labelNames: ['route', 'method', 'code'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'shiftguard_http_request_duration_seconds',
      help: 'Time to serve an HTTP request, by route template and method.',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    analysisDuration: new Histogram({
      name: 'shiftguard_detection_run_duration_seconds',
      help: 'Duration of one analysis of an upgrade (read, detect, attribute), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    upgrades: new Gauge({
      name: 'shiftguard_upgrades',
      help: 'Registered upgrades by status.',
      labelNames: ['status'],
      registers: [registry],
    }),
  };
}
