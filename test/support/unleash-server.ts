/**
 * A real Unleash 6.10.1 (npm `unleash-server`, a devDependency) for integration and end-to-end tests.
 * It runs in a child process (`unleash-server-main.mjs`): its startup (about 70 migrations) and its
 * timers stay out of the test process, and SIGTERM (then SIGKILL) ends all of it. Each server gets a
 * fresh PostgreSQL database, created here and dropped by `stop()`, and a free loopback port.
 *
 * Tokens come from `authentication.initApiTokens`, which Unleash applies only to an empty token table
 * and whose failures it merely logs; so startup also proves each token works before resolving.
 * Secrets have Unleash's shape `<project>:<environment>.<random>`: admin tokens `*:*.<hex>` (admin
 * tokens must span all projects and environments), the client token `default:development.<hex>`.
 * Version checks and telemetry are off (`versionCheck.enable: false`, `CHECK_VERSION=false`,
 * `SEND_TELEMETRY=false`), so the server makes no outbound call.
 *
 * Skip-or-fail: {@link unleashUnavailableReason} says why a suite cannot run (PostgreSQL unreachable,
 * unleash-server not installed); suites skip with that reason, or fail when `CI` is set.
 */
import { POSTGRES_ADMIN_URL, postgresUnreachableReason } from './postgres-admin.js';
import { stopProcess } from './stop-process.js';
import { parseBody } from '../../src/flags/unleash-admin-http.js';
import { freeLoopbackPort } from './prometheus-process.js';
import pg from 'pg';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'unleash-server-main.mjs');
/** Unleash's default project, where the suites create their flags. */
export const UNLEASH_PROJECT = 'default';
/** Name of the admin token the code under test uses; Unleash records it as `createdBy` of each event. */
export const TUNER_TOKEN_NAME = 'shiftguard';
/** Name of the second admin token, for edits a human makes behind shiftguard's back. */
export const OPERATOR_TOKEN_NAME = 'operator';

/** One entry of Unleash's event log (`GET /api/admin/events/{flag}`), the fields tests read. */
export interface UnleashEvent {
  readonly id: number;
  /** E.g. `feature-created`, `feature-environment-enabled`, `feature-strategy-update`. */
  readonly type: string;
  /** The token name (API tokens) or user that caused it. */
  readonly createdBy: string;
  readonly environment: string | null;
  readonly data: unknown;
  readonly preData: unknown;
}

/** The answer of {@link UnleashServer.admin}. */
export interface AdminResponse {
  readonly status: number;
  /** Parsed JSON, the text when it is not JSON, or null for an empty body. */
  readonly body: unknown;
}

/** A running Unleash. */
export interface UnleashServer {
  /** API base with `/api`, `http://127.0.0.1:<port>/api`: what unleash-client and the adapter take. */
  readonly url: string;
  /** Server root without `/api` (where `/health` lives). */
  readonly baseUrl: string;
  /** Admin token named {@link TUNER_TOKEN_NAME}. */
  readonly adminToken: string;
  /** Admin token named {@link OPERATOR_TOKEN_NAME}. */
  readonly operatorToken: string;
  /** Client (backend SDK) token for `default` project, {@link environment}. */
  readonly clientToken: string;
  /** The environment the client token is scoped to: `development`, enabled by default in OSS (as is `production`). */
  readonly environment: string;
  readonly project: string;
  /** Name of the PostgreSQL database the server uses (dropped by `stop()`). */
  readonly database: string;
  /** Unleash's log (warnings and errors, or more with `logLevel`). */
  readonly logPath: string;
  /** From spawning the process to `/health` answering GOOD and both tokens working, ms. */
  readonly startupMs: number;
  /** Calls the Admin API at `path` (below `/api`, e.g. `/admin/projects`), as the operator unless `token` is given. */
  admin(method: string, path: string, body?: unknown, token?: string): Promise<AdminResponse>;
  /** Like {@link admin}, but throws unless the status is 2xx; returns the body. */
  adminOk(method: string, path: string, body?: unknown, token?: string): Promise<unknown>;
  /**
   * Number of events in Unleash's event log about `flag` (every one is the record of a mutating
   * call: creation, strategy add/update, enable/disable, ...), optionally only those by `createdBy`.
   */
  countEvents(flag: string, filter?: { readonly createdBy?: string }): Promise<number>;
  /** The newest (at most 100) events about `flag`, newest first. */
  listEvents(flag: string): Promise<UnleashEvent[]>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s), drops its database and deletes its log directory. */
  stop(): Promise<void>;
}

/** Options of {@link startUnleash}. */
export interface StartUnleashOptions {
  /** PostgreSQL maintenance URL the database is created from (default {@link POSTGRES_ADMIN_URL}). */
  readonly postgresAdminUrl?: string;
  /** Environment of the client token (default `development`). */
  readonly environment?: string;
  /** Unleash's own log level (default `warn`). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Bound on the whole startup, ms (default 120 s). */
  readonly startTimeoutMs?: number;
  /** Where progress lines go (default stderr). */
  readonly progress?: (line: string) => void;
}

/** Why a real Unleash cannot be started here, or null when it can. */
export async function unleashUnavailableReason(postgresAdminUrl: string = POSTGRES_ADMIN_URL): Promise<string | null> {
  try {
    createRequire(import.meta.url).resolve('unleash-server');
  } catch {
    return 'npm package unleash-server is not installed (it is a devDependency: run npm ci)';
  }
  const unreachable = await postgresUnreachableReason(postgresAdminUrl);
  if (unreachable === null) return null;
  return `PostgreSQL is unreachable at ${postgresAdminUrl} (${unreachable}); start it (pg_ctlcluster <version> main start) or set SHIFTGUARD_TEST_POSTGRES_URL`;
}

/**
 * The skip-or-fail rule of suites that need a real Unleash: null when it can run; else the reason,
 * after warning that `suite` is skipped. Under CI a missing Unleash fails the suite instead.
 */
export async function unleashSkipReason(suite: string): Promise<string | null> {
  const reason = await unleashUnavailableReason();
  if (reason === null) return null;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(`CI requires a real Unleash for ${suite}: ${reason}`);
  console.warn(`SKIPPED ${suite}: ${reason}`);
  return reason;
}

/** Starts Unleash on a fresh database and a free loopback port; resolves once it is healthy and its tokens work. */
export async function startUnleash(options: StartUnleashOptions = {}): Promise<UnleashServer> {
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const postgresAdminUrl = options.postgresAdminUrl ?? POSTGRES_ADMIN_URL;
  const environment = options.environment ?? 'development';
  const database = `shiftguard_unleash_${process.pid}_${Date.now().toString(36)}`;
  const adminToken = `*:*.${randomBytes(16).toString('hex')}`;
  const operatorToken = `*:*.${randomBytes(16).toString('hex')}`;
  const clientToken = `${UNLEASH_PROJECT}:${environment}.${randomBytes(16).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'shiftguard-unleash-'));
  const logPath = join(dir, 'unleash.log');

  try {
    await adminQuery(postgresAdminUrl, `CREATE DATABASE ${database}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const settings = {
    databaseUrl: databaseUrl(postgresAdminUrl, database),
    port,
    adminTokens: [{ name: TUNER_TOKEN_NAME, secret: adminToken }, { name: OPERATOR_TOKEN_NAME, secret: operatorToken }],
    clientTokens: [{ name: 'test-client', secret: clientToken, project: UNLEASH_PROJECT, environment }],
    logLevel: options.logLevel ?? 'warn',
  };
  const startedAt = performance.now();
  progress(`unleash: starting unleash-server on ${baseUrl} (database ${database}, log ${logPath})`);
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [MAIN_SCRIPT], {
    stdio: ['ignore', log, log, 'ipc'],
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? dir,
      TZ: 'UTC',
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      SHIFTGUARD_UNLEASH_SETTINGS: JSON.stringify(settings),
    },
  });
  closeSync(log);
  child.channel?.unref();
  child.unref();

  const cleanUp = async (): Promise<void> => {
    await stopProcess(child);
    await adminQuery(postgresAdminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(child, baseUrl, logPath, startedAt, options.startTimeoutMs ?? 120_000, progress);
    await checkToken(`${baseUrl}/api/admin/projects`, adminToken, 'admin token', logPath);
    await checkToken(`${baseUrl}/api/admin/projects`, operatorToken, 'operator token', logPath);
    await checkToken(`${baseUrl}/api/client/features`, clientToken, 'client token', logPath);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const startupMs = Math.round(performance.now() - startedAt);
  progress(`unleash: ready in ${startupMs} ms`);
  return createServerHandle({ baseUrl, adminToken, operatorToken, clientToken, environment, database, logPath, startupMs, cleanUp });
}

interface HandleParts {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly operatorToken: string;
  readonly clientToken: string;
  readonly environment: string;
  readonly database: string;
  readonly logPath: string;
  readonly startupMs: number;
  cleanUp(): Promise<void>;
}

function createServerHandle(parts: HandleParts): UnleashServer {
  const url = `${parts.baseUrl}/api`;
  let stopped: Promise<void> | undefined;
  const admin = async (method: string, path: string, body?: unknown, token = parts.operatorToken): Promise<AdminResponse> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: parseBody(text) };
  };
  const adminOk = async (method: string, path: string, body?: unknown, token?: string): Promise<unknown> => {
    const response = await admin(method, path, body, token);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  };
  const eventsOf = async (flag: string): Promise<{ total: number; events: UnleashEvent[] }> => {
    const body = await adminOk('GET', `/admin/events/${encodeURIComponent(flag)}`) as { totalEvents: number; events: UnleashEvent[] };
    return { total: body.totalEvents, events: body.events };
  };
  return {
    url,
    baseUrl: parts.baseUrl,
    adminToken: parts.adminToken,
    operatorToken: parts.operatorToken,
    clientToken: parts.clientToken,
    environment: parts.environment,
    project: UNLEASH_PROJECT,
    database: parts.database,
    logPath: parts.logPath,
    startupMs: parts.startupMs,
    admin,
    adminOk,
    countEvents: async (flag, filter = {}) => {
      const { total, events } = await eventsOf(flag);
      if (filter.createdBy === undefined) return total;
      if (total > events.length) throw new Error(`flag ${flag} has ${total} events, more than the ${events.length} Unleash lists at once`);
      return events.filter((event) => event.createdBy === filter.createdBy).length;
    },
    listEvents: async (flag) => (await eventsOf(flag)).events,
    stop: () => {
      stopped ??= parts.cleanUp();
      return stopped;
    },
  };
}

async function waitHealthy(child: ChildProcess, baseUrl: string, logPath: string, startedAt: number, timeoutMs: number,
  progress: (line: string) => void): Promise<void> {
  let nextReportMs = 5_000;
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`unleash-server exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${logTail(logPath)}`);
    }
    if (elapsedMs > timeoutMs) throw new Error(`unleash-server was not healthy within ${timeoutMs} ms:\n${logTail(logPath)}`);
    if (elapsedMs >= nextReportMs) {
      progress(`unleash: still waiting for ${baseUrl}/health (${Math.round(elapsedMs / 1000)} s)`);
      nextReportMs += 5_000;
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok && (await response.json() as { health?: string }).health === 'GOOD') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function checkToken(url: string, token: string, what: string, logPath: string): Promise<void> {
  const response = await fetch(url, { headers: { authorization: token }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(`Unleash refused its initial ${what} on ${url} (HTTP ${response.status}: ${await response.text()}):\n${logTail(logPath)}`);
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}


function logTail(logPath: string): string {
  if (!existsSync(logPath)) return '(no log)';
  return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
}

/** Admin API path of `flag` in the server's project and environment. */
export function flagEnvironmentPath(unleash: UnleashServer, flag: string): string {
  return `/admin/projects/${unleash.project}/features/${encodeURIComponent(flag)}/environments/${unleash.environment}`;
}

/**
 * Creates `flag` with one flexibleRollout strategy at 100 % (holding `payload` as the JSON payload of
 * its one variant, `constants`, when given) and turns it on: the shape of dten's backoff flags.
 */
export async function createBackoffFlag(unleash: UnleashServer, flag: string, payload?: unknown): Promise<void> {
  const path = flagEnvironmentPath(unleash, flag);
  await unleash.adminOk('POST', `/admin/projects/${unleash.project}/features`, { name: flag, type: 'release' });
  await unleash.adminOk('POST', `${path}/strategies`, {
    name: 'flexibleRollout',
    parameters: { rollout: '100', stickiness: 'default', groupId: flag },
    constraints: [],
    variants: payload === undefined ? [] : [{ name: 'constants', weight: 1000, weightType: 'variable', stickiness: 'default', payload: { type: 'json', value: JSON.stringify(payload) } }],
  });
  await unleash.adminOk('POST', `${path}/on`);
}

/** Replaces the JSON payload of every variant of `flag`'s first strategy, as a human does in the Unleash UI (operator token). */
export async function replaceBackoffPayload(unleash: UnleashServer, flag: string, payload: unknown): Promise<void> {
  const path = flagEnvironmentPath(unleash, flag);
  const env = (await unleash.adminOk('GET', path)) as { strategies: { id: string; name: string; parameters: unknown; constraints: unknown; variants: object[] }[] };
  const strategy = env.strategies[0];
  if (strategy === undefined) throw new Error(`${flag} has no strategy`);
  await unleash.adminOk('PUT', `${path}/strategies/${strategy.id}`, {
    name: strategy.name,
    parameters: strategy.parameters,
    constraints: strategy.constraints,
    variants: strategy.variants.map((v) => ({ ...v, payload: { type: 'json', value: JSON.stringify(payload) } })),
  });
}

/** A non-admin Unleash identity: a user with the Editor root role and its personal access token. */
export interface EditorToken {
  /** The user's email, which Unleash records as `createdBy` of the events the token causes. */
  readonly email: string;
  /** The personal access token (`user:<secret>`), used like an admin token in `Authorization`. */
  readonly token: string;
}

/**
 * Creates a user with Unleash's Editor root role (flags in every project and environment; no users,
 * tokens or instance settings) and a personal access token for it, the way a person would: the admin
 * creates the user with a password, the user signs in and makes the token. Unleash OSS has no
 * narrower role (project- and environment-scoped roles are an Enterprise feature).
 */
export async function createEditorToken(unleash: UnleashServer, name = 'shiftguard-tuner'): Promise<EditorToken> {
  const email = `${name}@example.com`;
  const password = `Sg-${randomBytes(12).toString('hex')}-9a!`;
  await unleash.adminOk('POST', '/admin/user-admin', { email, name, password, rootRole: 'Editor', sendEmail: false });
  const login = await fetch(`${unleash.baseUrl}/auth/simple/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: email, password }),
  });
  // Read the whole answer before using the cookie: express-session sends the headers and all but the
  // last byte of the body before its store has saved the session, and only ends the body once the
  // row is in PostgreSQL. A request sent on the headers alone can race the save and get a 401.
  const loginBody = await login.text();
  if (!login.ok) throw new Error(`signing in as ${email}: HTTP ${login.status} ${loginBody}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const made = await fetch(`${unleash.url}/admin/user/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie },
    body: JSON.stringify({ description: `${name} (shiftguard tuner)`, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }),
  });
  const body = (await made.json()) as { secret?: unknown };
  if (made.status !== 201 || typeof body.secret !== 'string') throw new Error(`creating a personal access token for ${email}: HTTP ${made.status} ${JSON.stringify(body)}`);
  return { email, token: body.secret };
}
