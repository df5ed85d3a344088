/**
 * One `shiftguard serve` process of the kill -9 durability test: spawned on a fresh loopback port
 * with the test's tokens, waited for until `/readyz` answers 200, and ended with SIGKILL (the crash
 * under test) or SIGTERM (the graceful stop before the store is inspected). Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { CLI_PATH } from './run-cli.js';

/** Bearer tokens the service is started with (env SHIFTGUARD_*_TOKEN). */
export const DURABILITY_TOKENS = {
  viewer: 'durability-viewer-token',
  operator: 'durability-operator-token',
  ingest: 'durability-ingest-token',
} as const;

/** How long a started service may take to answer `/readyz` with 200, ms (a hang guard). */
const READY_TIMEOUT_MS = 20_000;
/** How long a signalled service may take to exit, ms (a hang guard). */
const EXIT_TIMEOUT_MS = 10_000;
/** The last this many characters of the service's stderr are kept for failure messages. */
const STDERR_TAIL_CHARS = 8_000;

/** Where the service keeps its state. */
export interface ServiceStore {
  /** `--config` file to pass (holds `store.url` for SQLite). */
  readonly configPath: string;
  /** Extra environment (DATABASE_URL for PostgreSQL). */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory of the process. */
  readonly cwd: string;
}

/** A running service process. */
export interface ServiceProcess {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly child: ChildProcess;
  /** Whether the process is still running (not yet exited). */
  alive(): boolean;
  /** The last few KB the process wrote to stderr. */
  stderrTail(): string;
  /** Sends SIGKILL (once; later calls are no-ops) and resolves when the process has exited. */
  kill(): Promise<void>;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

/** Fails with the command to run when the bundled CLI has not been built. */
export function requireBuiltCli(): void {
  const bundle = fileURLToPath(new URL('../../dist/bundle/main.js', import.meta.url));
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first (npm test does it in pretest)`);
}

/** Starts `shiftguard serve --config <store.configPath>` on a free port and waits until it is ready. */
export async function startServiceProcess(store: ServiceStore): Promise<ServiceProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SHIFTGUARD_') || name === 'DATABASE_URL') delete env[name];
  Object.assign(env, store.env, {
    SHIFTGUARD_LISTEN: `127.0.0.1:${port}`,
    SHIFTGUARD_VIEWER_TOKEN: DURABILITY_TOKENS.viewer,
    SHIFTGUARD_OPERATOR_TOKEN: DURABILITY_TOKENS.operator,
    SHIFTGUARD_INGEST_TOKEN: DURABILITY_TOKENS.ingest,
    LOG_LEVEL: 'warn',
  });
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--config', store.configPath], { cwd: store.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let killed = false;
  const service: ServiceProcess = {
    base,
    child,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderrTail: () => stderr,
    kill: async () => {
      if (!killed && service.alive()) child.kill('SIGKILL');
      killed = true;
      await bounded(exited, EXIT_TIMEOUT_MS, `service on ${base} did not exit after SIGKILL`);
    },
    stop: async () => {
      if (service.alive()) child.kill('SIGTERM');
      return bounded(exited, EXIT_TIMEOUT_MS, `service on ${base} did not exit after SIGTERM`);
    },
  };
  try {
    await waitUntilReady(service);
  } catch (error) {
    await service.kill();
    throw error;
  }
  return service;
}

/** Polls `/readyz` until 200; fails early when the process exits, and after {@link READY_TIMEOUT_MS}. */
async function waitUntilReady(service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!service.alive()) throw new Error(`service exited (code ${service.child.exitCode}, signal ${service.child.signalCode}) before it was ready; stderr:\n${service.stderrTail()}`);
    try {
      const response = await fetch(`${service.base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service on ${service.base} not ready after ${READY_TIMEOUT_MS} ms; stderr:\n${service.stderrTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function bounded<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
