/**
 * Starts a real Prometheus for integration and end-to-end tests (a TSDB and a log under the
 * test's directory, a free loopback port) and stops it again: SIGTERM, then SIGKILL when it has not
 * exited within 10 s. Every wait is bounded and fails early, with Prometheus' log, if it exits.
 */
import { stopProcess } from './stop-process.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A running Prometheus. */
export interface PrometheusProcess {
  /** Base URL without a trailing slash, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly logPath: string;
  /** Requests `path` (relative to `url`) every 200 ms, at most 150 times, until `done` accepts the response. */
  pollUntil(path: string, done: (response: Response) => Promise<boolean>): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  readonly binary: string;
  readonly configPath: string;
  /** Directory for the log (and the TSDB, unless `tsdbPath` is given). */
  readonly dir: string;
  readonly tsdbPath?: string;
  readonly extraArgs?: readonly string[];
}

/** Starts Prometheus and resolves once `/-/ready` answers. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusProcess> {
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(options.dir, 'prometheus.log');
  const log = openSync(logPath, 'w');
  const args = [
    `--config.file=${options.configPath}`,
    `--storage.tsdb.path=${options.tsdbPath ?? join(options.dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(options.binary, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const process: PrometheusProcess = {
    url,
    logPath,
    pollUntil: (path, done) => pollUntil(child, logPath, `${url}${path}`, done),
    stop: () => stopProcess(child),
  };
  try {
    await process.pollUntil('/-/ready', async (response) => response.ok);
  } catch (error) {
    await process.stop();
    throw error;
  }
  return process;
}

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


/** A port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
