/**
 * Watching `serve` during the soak: once a second, its own `/metrics` (evaluations, ingest counters,
 * overload answers, series store size, event-loop lag) and its memory and CPU time from Linux'
 * `/proc/<pid>`. The readings are kept in order for the figures; a `/metrics` that does not answer is
 * counted, not fatal (the next reading tries again).
 */
import { OVERLOAD_REASONS } from '../../src/telemetry/service-metrics.js';
import { metricValue, readProcessStats } from './remote-write-process-stats.js';

/** What one `/metrics` text says, for the soak. */
export interface ServeMetrics {
  /** `shiftguard_monitor_evaluations_total`, all phases, by outcome. */
  readonly evaluationsOk: number;
  readonly evaluationsError: number;
  /** `shiftguard_detection_run_duration_seconds`: analyses run and their total time, seconds. */
  readonly analyses: number;
  readonly analysisSeconds: number;
  /** `shiftguard_samples_ingested_total` by protocol. */
  readonly ingestedRemoteWrite: number;
  readonly ingestedOtlp: number;
  /** `shiftguard_samples_rejected_total`, every protocol and reason. */
  readonly rejected: number;
  /** `shiftguard_ingest_overloaded_total`, both protocols: pushes answered 503 for overload. */
  readonly overloaded: number;
  /** The same by reason (in_flight, memory_budget, event_loop, detection). */
  readonly overloadedByReason: Readonly<Record<string, number>>;
  /** `shiftguard_ingest_requests_failed_total`, both protocols: pushes refused as a whole. */
  readonly failedPushes: number;
  readonly storeBytes: number;
  readonly storeBudgetBytes: number;
  readonly activeSeries: number;
  /** Largest and 99th-percentile event-loop delay since the previous scrape, seconds (prom-client resets them at each scrape). */
  readonly lagMaxSeconds: number | null;
  readonly lagP99Seconds: number | null;
}

/** A reading: the metrics and the process' memory and CPU time at `atMs`. */
export interface ServeReading extends ServeMetrics {
  readonly atMs: number;
  readonly rssBytes: number;
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
}

/** Reads the soak's figures out of `serve`'s `/metrics` text; counters prom-client has not exposed yet count as 0. */
export function parseServeMetrics(text: string): ServeMetrics {
  const value = (name: string, labels: Readonly<Record<string, string>> = {}): number => metricValue(text, name, labels) ?? 0;
  return {
    evaluationsOk: value('shiftguard_monitor_evaluations_total', { outcome: 'ok' }),
    evaluationsError: value('shiftguard_monitor_evaluations_total', { outcome: 'error' }),
    analyses: value('shiftguard_detection_run_duration_seconds_count'),
    analysisSeconds: value('shiftguard_detection_run_duration_seconds_sum'),
    ingestedRemoteWrite: value('shiftguard_samples_ingested_total', { protocol: 'remote_write' }),
    ingestedOtlp: value('shiftguard_samples_ingested_total', { protocol: 'otlp' }),
    rejected: value('shiftguard_samples_rejected_total'),
    overloaded: value('shiftguard_ingest_overloaded_total'),
    overloadedByReason: Object.fromEntries(OVERLOAD_REASONS.map((reason) => [reason, value('shiftguard_ingest_overloaded_total', { reason })])),
    failedPushes: value('shiftguard_ingest_requests_failed_total'),
    storeBytes: value('shiftguard_series_store_bytes'),
    storeBudgetBytes: value('shiftguard_series_store_budget_bytes'),
    activeSeries: value('shiftguard_active_series'),
    lagMaxSeconds: metricValue(text, 'shiftguard_nodejs_eventloop_lag_max_seconds'),
    lagP99Seconds: metricValue(text, 'shiftguard_nodejs_eventloop_lag_p99_seconds'),
  };
}

/** What the watch reads from. */
export interface WatchTarget {
  readonly pid: number;
  metrics(): Promise<string>;
}

/** A running watch. */
export interface Watch {
  /** Readings so far, oldest first. */
  readonly readings: readonly ServeReading[];
  /** `/metrics` requests that failed or timed out. */
  readonly failures: number;
  /** Takes one reading now (also used before and after the load). */
  read(): Promise<ServeReading>;
  /** Stops the timer and waits for a reading in progress. */
  stop(): Promise<void>;
}

/** Reads `target` every `intervalMs` until stopped; `onReading` sees each reading. */
export function startWatch(target: WatchTarget, intervalMs: number, now: () => number, onReading: (reading: ServeReading) => void): Watch {
  const readings: ServeReading[] = [];
  let failures = 0;
  let running: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<ServeReading> => {
    const text = await target.metrics();
    const stats = readProcessStats(target.pid);
    const reading: ServeReading = { atMs: now(), ...parseServeMetrics(text), rssBytes: stats.rssBytes, peakRssBytes: stats.peakRssBytes, cpuSeconds: stats.cpuSeconds };
    readings.push(reading);
    return reading;
  };
  const timer = setInterval(() => {
    running = running.then(() =>
      read().then(onReading, () => {
        failures++;
      }),
    );
  }, intervalMs);
  return {
    readings,
    get failures() {
      return failures;
    },
    read,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
