/**
 * The two remote-write receivers of the benchmark, each a separate process on a free loopback port
 * with its state in a temp dir: `shiftguard serve` (the compiled CLI, SQLite state store, ingest token
 * from the environment) and Prometheus with `--web.enable-remote-write-receiver` and no scrape jobs.
 */
import { stopProcess } from '../support/stop-process.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeLoopbackPort, startPrometheus } from '../support/prometheus-process.js';
import { findPidByArgument } from './remote-write-process-stats.js';
import { CLI_PATH } from './tool-runs.js';

/** Which receiver a process is; the self-metrics to read differ. */
export type ReceiverKind = 'shiftguard' | 'prometheus';

/** A running receiver. */
export interface Receiver {
  readonly kind: ReceiverKind;
  /** Process id of the receiving process itself (not a wrapper). */
  readonly pid: number;
  /** `POST` endpoint of remote-write 1.0. */
  readonly writeUrl: string;
  /** Extra request headers (the bearer token). */
  readonly headers: Readonly<Record<string, string>>;
  readonly logPath: string;
  /** The receiver's own `/metrics` text. */
  scrapeMetrics(): Promise<string>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The bearer token the benchmark gives shiftguard's ingest role (loopback only). */
const INGEST_TOKEN = 'bench-ingest-token';
const READY_ATTEMPTS = 150;
const READY_POLL_MS = 200;

export interface ShiftguardReceiverOptions {
  /** Directory for the config, the SQLite store and the log (created when missing). */
  readonly dir: string;
  /** Node options before the CLI path, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node bin/shiftguard.js serve --config <dir>/shiftguard.yaml` (needs `npm run build`) and
 * resolves once `/readyz` answers 200. @throws Error with the log when it exits or never gets ready.
 */
export async function startShiftguardReceiver(options: ShiftguardReceiverOptions): Promise<Receiver> {
  await mkdir(options.dir, { recursive: true });
  const configPath = join(options.dir, 'shiftguard.yaml');
  await writeFile(configPath, `store:\n  url: sqlite:${join(options.dir, 'shiftguard.db')}\n`);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(options.dir, 'shiftguard.log');
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const env = { ...inherited, SHIFTGUARD_LISTEN: `127.0.0.1:${port}`, SHIFTGUARD_INGEST_TOKEN: INGEST_TOKEN, LOG_LEVEL: 'warn' };
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_PATH, 'serve', '--config', configPath], { cwd: options.dir, env, stdio: ['ignore', log, log] });
  closeSync(log);
  const receiver: Receiver = {
    kind: 'shiftguard',
    pid: child.pid ?? 0,
    writeUrl: `${url}/api/v1/write`,
    headers: { Authorization: `Bearer ${INGEST_TOKEN}` },
    logPath,
    scrapeMetrics: () => fetchText(`${url}/metrics`),
    stop: () => stopProcess(child),
  };
  try {
    await waitReady(child, `${url}/readyz`, logPath, 'shiftguard serve');
  } catch (error) {
    await receiver.stop();
    throw error;
  }
  return receiver;
}

export interface PrometheusReceiverOptions {
  readonly binary: string;
  /** Directory for the config, the TSDB and the log (created when missing). */
  readonly dir: string;
}

/** Starts Prometheus as a remote-write receiver (no scrape jobs) through `test/support/prometheus-process.ts`. */
export async function startPrometheusReceiver(options: PrometheusReceiverOptions): Promise<Receiver> {
  await mkdir(options.dir, { recursive: true });
  const configPath = join(options.dir, 'prometheus.yml');
  await writeFile(configPath, 'global:\n  scrape_interval: 15s\n');
  const tsdbPath = join(options.dir, 'tsdb');
  const prometheus = await startPrometheus({ binary: options.binary, configPath, dir: options.dir, tsdbPath, extraArgs: ['--web.enable-remote-write-receiver', '--log.level=warn'] });
  let pid: number;
  try {
    pid = findPidByArgument(`--storage.tsdb.path=${tsdbPath}`);
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  return {
    kind: 'prometheus',
    pid,
    writeUrl: `${prometheus.url}/api/v1/write`,
    headers: {},
    logPath: prometheus.logPath,
    scrapeMetrics: () => fetchText(`${prometheus.url}/metrics`),
    stop: () => prometheus.stop(),
  };
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

async function waitReady(child: ChildProcess, url: string, logPath: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${readFileSync(logPath, 'utf8')}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`${name} never answered ${url} with 200 within ${(READY_ATTEMPTS * READY_POLL_MS) / 1000} s:\n${readFileSync(logPath, 'utf8')}`);
}

