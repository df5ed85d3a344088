/**
 * A real Prometheus serving an OpenMetrics file: `promtool tsdb create-blocks-from openmetrics`
 * turns the file into TSDB blocks, and a Prometheus with no scrape jobs, a 100-year retention (the
 * simulated data is in April 2026) and a free loopback port serves them over the HTTP API.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPrometheus } from '../support/prometheus-process.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** Why Prometheus end-to-end tests cannot run here, or null when both binaries are installed. */
export function prometheusUnavailableReason(): string | null {
  const missing = [PROMETHEUS_BIN, PROMTOOL_BIN].filter((path) => !existsSync(path));
  if (missing.length === 0) return null;
  return `${missing.join(' and ')} not installed; run scripts/ensure-test-deps.sh as root (or apt-get install prometheus)`;
}

/** A running Prometheus started by {@link startBackfilledPrometheus}. */
export interface BackfilledPrometheus {
  /** Base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** SIGTERM, then SIGKILL when it has not exited 10 s later; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startBackfilledPrometheus}. */
export interface BackfillOptions {
  /** The OpenMetrics file to backfill. */
  readonly metricsPath: string;
  /** An empty directory for the TSDB, the config and the log. */
  readonly dir: string;
  /** A PromQL expression that is > 0 once the backfilled blocks are queryable. */
  readonly probeQuery: string;
  /** Evaluation time of the probe, inside the data, ms since the epoch. */
  readonly probeAtMs: number;
}

/** Backfills the file, starts Prometheus on it and waits until it is ready and the data is queryable. */
export async function startBackfilledPrometheus(options: BackfillOptions): Promise<BackfilledPrometheus> {
  const tsdb = join(options.dir, 'tsdb');
  await promisify(execFile)(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', options.metricsPath, tsdb]);
  const config = join(options.dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const prometheus = await startPrometheus({ binary: PROMETHEUS_BIN, configPath: config, dir: options.dir, tsdbPath: tsdb, extraArgs: ['--storage.tsdb.retention.time=100y'] });
  try {
    const probe = `/api/v1/query?query=${encodeURIComponent(options.probeQuery)}&time=${options.probeAtMs / 1000}`;
    await prometheus.pollUntil(probe, async (response) => response.ok && firstValue(await response.json()) > 0);
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  return { url: prometheus.url, stop: () => prometheus.stop() };
}

/** The value of the first sample of an instant-vector query response, or NaN. */
function firstValue(body: unknown): number {
  const result = (body as { data?: { result?: Array<{ value?: [number, string] }> } }).data?.result;
  return Number(result?.[0]?.value?.[1] ?? NaN);
}
