/**
 * The service's own Prometheus metrics (prom-client), all prefixed `shiftguard_` and named after
 * Prometheus conventions (`_total`, `_seconds`). One registry per service instance, so tests and
 * several apps in one process never share state.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DECISION_STATUSES, UPGRADE_STATUSES } from '../store/state-store.js';

/** The push protocols, the `protocol` label of the ingest counters. */
export const PUSH_PROTOCOLS = ['remote_write', 'otlp'] as const;
/** The `outcome` label of the detection metrics. */
const OUTCOMES = ['ok', 'error'] as const;
/** The `phase` label of `shiftguard_monitor_evaluations_total`. */
const EVALUATION_PHASES = ['sequential', 'final'] as const;

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'code'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly analysisDuration: Histogram<'outcome'>;
  readonly samplesIngested: Counter<'protocol'>;
  readonly samplesRejected: Counter<'protocol' | 'reason'>;
  readonly ingestRequestsFailed: Counter<'protocol' | 'status'>;
  readonly ingestOverloaded: Counter<'protocol' | 'reason'>;
  readonly storeErrors: Counter<'code'>;
}

/** The `code` label of `shiftguard_state_store_errors_total`: the state-store failures answered 503. */
export const STORE_ERROR_CODES = ['unavailable', 'full'] as const;
/** Why a push was refused for overload (see `ingest-routes.ts`). */
export const OVERLOAD_REASONS = ['in_flight', 'memory_budget', 'event_loop', 'detection'] as const;

/**
 * Creates the registry with the process metrics (`shiftguard_process_*`, `shiftguard_nodejs_*`).
 * Counters and histograms whose labels are known in advance (push protocol, outcome) start at 0, so
 * dashboards and alert rules see 0 (not an absent series) before the first push, overload or
 * detection run, and `rate()` counts the first increment.
 */
export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shiftguard_' });
  const metrics: ServiceMetrics = {
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
    samplesIngested: new Counter({
      name: 'shiftguard_samples_ingested_total',
      help: 'Samples and data points accepted into the series store, by protocol.',
      labelNames: ['protocol'],
      registers: [registry],
    }),
    samplesRejected: new Counter({
      name: 'shiftguard_samples_rejected_total',
      help: 'Samples and data points rejected, by protocol and reason.',
      labelNames: ['protocol', 'reason'],
      registers: [registry],
    }),
    ingestRequestsFailed: new Counter({
      name: 'shiftguard_ingest_requests_failed_total',
      help: 'Push requests refused as a whole, by protocol and HTTP status.',
      labelNames: ['protocol', 'status'],
      registers: [registry],
    }),
    ingestOverloaded: new Counter({
      name: 'shiftguard_ingest_overloaded_total',
      help: 'Push requests answered 503 because of overload, by protocol and reason: in_flight (too many pushes at once), memory_budget (series store full), event_loop (the service behind on its work), detection (an evaluation overran half a slice and has the CPU until it finishes).',
      labelNames: ['protocol', 'reason'],
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'shiftguard_state_store_errors_total',
      help: 'Requests answered 503 because the state store could not be used, by code: unavailable (database unreachable or restarting; a write cut off at its commit may have landed), full (no space left; nothing was written).',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
  for (const code of STORE_ERROR_CODES) metrics.storeErrors.inc({ code }, 0);
  for (const protocol of PUSH_PROTOCOLS) {
    metrics.samplesIngested.inc({ protocol }, 0);
    for (const reason of OVERLOAD_REASONS) metrics.ingestOverloaded.inc({ protocol, reason }, 0);
  }
  for (const outcome of OUTCOMES) metrics.analysisDuration.zero({ outcome });
  return metrics;
}

/** What the store gauges read. */
export interface StoreSize {
  readonly seriesCount: number;
  readonly bytes: number;
}

/** Registers `shiftguard_active_series` and `shiftguard_series_store_bytes`, read at scrape time. */
export function registerStoreGauges(metrics: ServiceMetrics, store: StoreSize, memoryBudgetBytes: number): void {
  new Gauge({
    name: 'shiftguard_active_series',
    help: 'Series held in the in-memory series store.',
    registers: [metrics.registry],
    collect() {
      this.set(store.seriesCount);
    },
  });
  new Gauge({
    name: 'shiftguard_series_store_bytes',
    help: 'Bytes the series store has allocated (slice rings, per-series state, label index).',
    registers: [metrics.registry],
    collect() {
      this.set(store.bytes);
    },
  });
  new Gauge({
    name: 'shiftguard_series_store_budget_bytes',
    help: 'Memory budget of the series store; pushes are refused with 503 beyond it.',
    registers: [metrics.registry],
  }).set(memoryBudgetBytes);
}

/** Gauges of monitoring results for dashboards (see dashboards/), set after every evaluation. */
export interface MonitorGauges {
  readonly openFindings: Gauge<'signal'>;
  readonly relativeChange: Gauge<'upgrade' | 'signal' | 'group' | 'statistic'>;
  readonly groupRegression: Gauge<'upgrade' | 'signal' | 'group'>;
  readonly groupStatistic: Gauge<'upgrade' | 'signal' | 'group' | 'statistic' | 'window'>;
  readonly evaluations: Counter<'phase' | 'outcome'>;
}

/** Registers the monitoring gauges; the evaluation counter starts at 0 for each phase and outcome. */
export function registerMonitorGauges(metrics: ServiceMetrics): MonitorGauges {
  const registers = [metrics.registry];
  const gauges: MonitorGauges = {
    openFindings: new Gauge({ name: 'shiftguard_open_findings', help: 'Open findings (regressions) across upgrades, by signal.', labelNames: ['signal'], registers }),
    relativeChange: new Gauge({
      name: 'shiftguard_group_relative_change',
      help: 'Latest relative change (after / baseline - 1) of each statistic of each analysed group; group = its label values as k=v pairs.',
      labelNames: ['upgrade', 'signal', 'group', 'statistic'],
      registers,
    }),
    groupRegression: new Gauge({
      name: 'shiftguard_group_regression',
      help: '1 when the latest report of the upgrade calls the group a regression, else 0.',
      labelNames: ['upgrade', 'signal', 'group'],
      registers,
    }),
    groupStatistic: new Gauge({
      name: 'shiftguard_group_statistic',
      help: 'Latest value of each statistic of each analysed group in the baseline and the after window (window="baseline"|"after"): seconds for latency quantiles (statistic p50, p99, ...), a ratio (0..1) for ratio signals (statistic="ratio").',
      labelNames: ['upgrade', 'signal', 'group', 'statistic', 'window'],
      registers,
    }),
    evaluations: new Counter({
      name: 'shiftguard_monitor_evaluations_total',
      help: 'Evaluations of monitored upgrades, by phase (sequential look, final report) and outcome.',
      labelNames: ['phase', 'outcome'],
      registers,
    }),
  };
  for (const phase of EVALUATION_PHASES) for (const outcome of OUTCOMES) gauges.evaluations.inc({ phase, outcome }, 0);
  return gauges;
}

/** What the state gauges read (the state store's narrow slices). */
export interface StateCounts {
  listUpgrades(): Promise<readonly { readonly id: string; readonly status: string; readonly registeredAtMs: number }[]>;
  listDecisions(): Promise<readonly { readonly status: string }[]>;
}

/**
 * Registers `shiftguard_upgrades{status}` and `shiftguard_decisions{status}`, counted from the
 * state store at scrape time, so they survive restarts and agree with the API. Every known status
 * is exported, 0 when no record has it, so `shiftguard_decisions{status="reverted"}` exists before
 * the first revert.
 */
export function registerStateGauges(metrics: ServiceMetrics, state: StateCounts): void {
  const byStatus = (statuses: readonly string[], records: readonly { readonly status: string }[]): Map<string, number> => {
    const counts = new Map<string, number>(statuses.map((status) => [status, 0]));
    for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    return counts;
  };
  new Gauge({
    name: 'shiftguard_upgrades',
    help: 'Registered upgrades by status (monitoring, finished).',
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const [status, n] of byStatus(UPGRADE_STATUSES, await state.listUpgrades())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'shiftguard_upgrade_registered_timestamp_seconds',
    help: 'When each upgrade was registered, Unix seconds (one series per upgrade: Grafana annotations use the value as the time).',
    labelNames: ['upgrade'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const u of await state.listUpgrades()) this.set({ upgrade: u.id }, u.registeredAtMs / 1000);
    },
  });
  new Gauge({
    name: 'shiftguard_decisions',
    help: 'Flag-change decisions by status (proposed, approved, applied, kept, reverted, rejected, ...).',
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const [status, n] of byStatus(DECISION_STATUSES, await state.listDecisions())) this.set({ status }, n);
    },
  });
}
