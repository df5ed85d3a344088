/**
 * A real Prometheus serving an OpenMetrics file: `promtool tsdb create-blocks-from openmetrics`
 * turns the file into TSDB blocks, and a Prometheus with no scrape jobs, a 100-year retention (the
 * simulated data is in April 2026) and a free loopback port serves them over the HTTP API.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

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
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(options.dir, 'prometheus.log');
  const log = openSync(logPath, 'w');
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${tsdb}`, '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`];
  const child = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const server = { url, stop: () => stopChild(child) };
  try {
    await pollUntil(child, logPath, `${url}/-/ready`, async (response) => response.ok);
    const probe = `${url}/api/v1/query?query=${encodeURIComponent(options.probeQuery)}&time=${options.probeAtMs / 1000}`;
    await pollUntil(child, logPath, probe, async (response) => response.ok && firstValue(await response.json()) > 0);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** The value of the first sample of an instant-vector query response, or NaN. */
function firstValue(body: unknown): number {
  const result = (body as { data?: { result?: Array<{ value?: [number, string] }> } }).data?.result;
  return Number(result?.[0]?.value?.[1] ?? NaN);
}

/**
 * Requests `url` every 200 ms (at most 150 times) until `done` accepts the response; fails early
 * with Prometheus' log when it exits.
 */
async function pollUntil(child: ChildProcess, logPath: string, url: string, done: (response: Response) => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${readFileSync(logPath, 'utf8')}`);
    try {
      if (await done(await fetch(url, { signal: AbortSignal.timeout(2000) }))) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus never answered ${url} as expected:\n${readFileSync(logPath, 'utf8')}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
