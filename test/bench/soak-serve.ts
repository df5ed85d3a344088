/**
 * `shiftguard serve` as the soak runs it: the compiled CLI (`bin/shiftguard.js`, needs `npm run
 * build`) as a child process on a free loopback port, with the soak's configuration, a SQLite state
 * store and a log in the soak's directory, and bearer tokens for the three roles from the environment.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stopProcess } from '../support/stop-process.js';
import { freeLoopbackPort } from '../support/prometheus-process.js';
import { CLI_PATH } from './tool-runs.js';

/** Bearer tokens of the soak's `serve` (loopback only). */
export const SOAK_TOKENS = { viewer: 'soak-viewer', operator: 'soak-operator', ingest: 'soak-ingest' } as const;
export type SoakRole = keyof typeof SOAK_TOKENS;

/** A running `serve`. */
export interface SoakServe {
  readonly url: string;
  readonly pid: number;
  readonly logPath: string;
  /** Requests `path` with the token of `role` (none when undefined); JSON content type unless `init` says otherwise. */
  call(path: string, role?: SoakRole, init?: RequestInit): Promise<Response>;
  /** The service's own `/metrics` text. @throws Error when it does not answer 200. */
  metrics(): Promise<string>;
  /** Whether the process has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface SoakServeOptions {
  /** Directory for the configuration and the log (created when missing). */
  readonly dir: string;
  /** The configuration's YAML. */
  readonly configYaml: string;
  /** The CLI to run (default `bin/shiftguard.js` of this repository). */
  readonly cliPath?: string;
  /** Node options before the CLI path, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

const READY_ATTEMPTS = 150;
const READY_POLL_MS = 200;
/** Longest wait for an answer of the API, ms (a hang guard). */
const CALL_TIMEOUT_MS = 60_000;

/** Starts `serve` and resolves once `/readyz` answers 200. @throws Error with the log when it exits or never gets ready. */
export async function startSoakServe(options: SoakServeOptions): Promise<SoakServe> {
  await mkdir(options.dir, { recursive: true });
  const configPath = join(options.dir, 'shiftguard.yaml');
  await writeFile(configPath, options.configYaml);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(options.dir, 'shiftguard.log');
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.cliPath ?? CLI_PATH, 'serve', '--config', configPath], { cwd: options.dir, env: serveEnv(port), stdio: ['ignore', log, log] });
  closeSync(log);
  const call = (path: string, role?: SoakRole, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, {
      ...init,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      headers: { ...(role ? { Authorization: `Bearer ${SOAK_TOKENS[role]}` } : {}), 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
  const serve: SoakServe = {
    url,
    pid: child.pid ?? 0,
    logPath,
    call,
    metrics: async () => {
      const response = await call('/metrics');
      if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
      return response.text();
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () => stopProcess(child),
  };
  try {
    await waitReady(child, `${url}/readyz`, logPath);
  } catch (error) {
    await serve.stop();
    throw error;
  }
  return serve;
}

/** The caller's environment minus what overrides configuration, plus the address, the tokens and a quiet log. */
function serveEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('SHIFTGUARD_') && name !== 'DATABASE_URL') env[name] = value;
  return {
    ...env,
    SHIFTGUARD_LISTEN: `127.0.0.1:${port}`,
    SHIFTGUARD_VIEWER_TOKEN: SOAK_TOKENS.viewer,
    SHIFTGUARD_OPERATOR_TOKEN: SOAK_TOKENS.operator,
    SHIFTGUARD_INGEST_TOKEN: SOAK_TOKENS.ingest,
    LOG_LEVEL: 'warn',
  };
}

async function waitReady(child: ChildProcess, url: string, logPath: string): Promise<void> {
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`shiftguard serve exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${readFileSync(logPath, 'utf8')}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`shiftguard serve never answered ${url} with 200 within ${(READY_ATTEMPTS * READY_POLL_MS) / 1000} s:\n${readFileSync(logPath, 'utf8')}`);
}
