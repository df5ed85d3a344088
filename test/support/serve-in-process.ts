/**
 * `shiftguard serve` inside the test process: `startService`, the composition root the `serve`
 * command runs, on a free loopback port, with a configuration file written to the test's directory
 * and bearer tokens for the three roles. For fault tests that keep one service running through an
 * outage of something it depends on, and read its JSON log (captured in memory, with serve's own
 * redaction), its `/metrics` and its API. The code under test is the source tree, not `dist/`.
 *
 * The environment is only what the test passes (plus the tokens and the listen address), so nothing
 * of the caller's environment (a `DATABASE_URL`, `SHIFTGUARD_*`) leaks into the configuration.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import type { FlagStore } from '../../src/flags/flag-store.js';
import { startService } from '../../src/main.js';
import type { StateStore } from '../../src/store/state-store.js';
import { LOG_REDACTION } from '../../src/telemetry/log-redaction.js';

/** Bearer tokens of the three roles. */
export const SERVE_TOKENS = { viewer: 'viewer-t', operator: 'operator-t', ingest: 'ingest-t' } as const;

/** A role of {@link SERVE_TOKENS}. */
export type ServeRole = keyof typeof SERVE_TOKENS;

/** One parsed line of serve's JSON log. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** pino's number for `error`. */
export const LOG_ERROR = 50;

/** A service started by {@link startServeInProcess}. */
export interface InProcessService {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** Requests `path` with the token of `role` (none when undefined); JSON content type; a 30 s hang guard. */
  call(path: string, role?: ServeRole, init?: RequestInit): Promise<Response>;
  /**
   * The value of the sample `name{labels}` of `GET /metrics` whose labels include every pair of
   * `labels`, summed over the samples that match; null when none does.
   */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number | null>;
  /** The whole `GET /metrics` exposition (read several values of one moment with {@link sampleValue}). */
  scrape(): Promise<string>;
  /** Every log line so far. */
  logs(): readonly LogLine[];
  /** The raw log so far (one JSON object per line), for failure messages. */
  logText(): string;
  /** Stops the service as SIGTERM would (idempotent). */
  stop(): Promise<void>;
}

/** Options of {@link startServeInProcess}. */
export interface ServeInProcessOptions {
  /** Where `shiftguard.yaml` is written. */
  readonly dir: string;
  /** The configuration file's text (YAML). */
  readonly configYaml: string;
  /** Environment of the service, besides the tokens (e.g. `UNLEASH_ADMIN_TOKEN`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The tuner's flag service instead of the guardrails' Unleash (serve's in-memory adapter). */
  readonly flags?: FlagStore;
  /** An open state store to use instead of the configuration's `store.url`. */
  readonly store?: StateStore;
}

/** Starts the service; resolves once it listens (the store is open and the first election ran). */
export async function startServeInProcess(options: ServeInProcessOptions): Promise<InProcessService> {
  const configPath = join(options.dir, 'shiftguard.yaml');
  writeFileSync(configPath, options.configYaml);
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    SHIFTGUARD_VIEWER_TOKEN: SERVE_TOKENS.viewer,
    SHIFTGUARD_OPERATOR_TOKEN: SERVE_TOKENS.operator,
    SHIFTGUARD_INGEST_TOKEN: SERVE_TOKENS.ingest,
    SHIFTGUARD_LISTEN: '127.0.0.1:0',
  };
  const config = loadConfig({ path: configPath, env });
  let text = '';
  const lines: LogLine[] = [];
  const logger = pino(
    { name: 'shiftguard', level: 'info', redact: LOG_REDACTION },
    {
      write: (line: string) => {
        text += line;
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const running = await startService({
    config,
    env,
    version: 'test',
    logger,
    ...(options.flags === undefined ? {} : { flags: options.flags }),
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  const base = running.url;
  const scrape = async (): Promise<string> => (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let stopped: Promise<void> | undefined;
  return {
    base,
    call: (path, role, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        signal: AbortSignal.timeout(30_000),
        headers: { ...(role === undefined ? {} : { Authorization: `Bearer ${SERVE_TOKENS[role]}` }), 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      }),
    metric: async (name, labels = {}) => sampleValue(await scrape(), name, labels),
    scrape,
    logs: () => lines,
    logText: () => text,
    stop: () => (stopped ??= running.stop()),
  };
}

/**
 * The sum of the samples `name{…}` in a Prometheus text exposition whose labels include every pair of
 * `labels`; null when no sample matches.
 */
export function sampleValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | null {
  let sum: number | null = null;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}
