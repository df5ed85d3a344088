/**
 * `shiftguard serve` as a real child process for the push end-to-end tests: started in a test's
 * temporary directory with bearer tokens for the three roles, called over HTTP, stopped with SIGTERM
 * (SIGKILL when it has not exited 10 s later). Also reads the service's own ingest counters, and
 * compares and prints the verdicts of several reports of one upgrade.
 */
import { stopProcess } from '../support/stop-process.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { UpgradeDescription } from '../../src/sim/upgrade-description.js';
import { groupKey, parseContractReport } from './contract-report.js';
import type { ContractReport } from './contract-report.js';
import { freePort } from './free-port.js';
import { CLI_PATH } from './run-cli.js';

/** Bearer tokens of the three roles. */
export const PUSH_TOKENS = { viewer: 'viewer-t', operator: 'operator-t', ingest: 'ingest-t' } as const;

/** A running `shiftguard serve`. */
export interface PushService {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** Requests `path` with the token of `role` (none when undefined). */
  call(path: string, role?: keyof typeof PUSH_TOKENS, init?: RequestInit): Promise<Response>;
  /** What the service wrote to stderr so far. */
  stderr(): string;
  /** What the service wrote to stdout so far (its JSON log). */
  stdout(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** The process (to pause, kill or await it). */
  readonly child: ChildProcess;
}

/** Longest wait for `/readyz`, ms. */
const READY_TIMEOUT_MS = 30_000;

/** Environment of the service: the caller's minus variables that override configuration, plus the tokens. */
function serviceEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('SHIFTGUARD_') || name === 'DATABASE_URL') delete env[name];
  }
  return {
    ...env,
    SHIFTGUARD_VIEWER_TOKEN: PUSH_TOKENS.viewer,
    SHIFTGUARD_OPERATOR_TOKEN: PUSH_TOKENS.operator,
    SHIFTGUARD_INGEST_TOKEN: PUSH_TOKENS.ingest,
    SHIFTGUARD_LISTEN: `127.0.0.1:${port}`,
  };
}

/**
 * Writes `configYaml` to `<dir>/shiftguard.yaml` and starts `serve` with it in `dir` (its SQLite
 * state store goes to `<dir>/data`); resolves once `/readyz` answers 200.
 */
export async function startPushService(dir: string, configYaml: string, options: { readonly env?: NodeJS.ProcessEnv; readonly port?: number } = {}): Promise<PushService> {
  const configPath = join(dir, 'shiftguard.yaml');
  writeFileSync(configPath, configYaml);
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--config', configPath], { cwd: dir, env: { ...serviceEnv(port), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const service: PushService = {
    base,
    call: (path, role, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        signal: AbortSignal.timeout(60_000),
        headers: { ...(role ? { Authorization: `Bearer ${PUSH_TOKENS[role]}` } : {}), 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      }),
    stderr: () => stderr,
    stdout: () => stdout,
    stop: () => stopProcess(child),
    child,
  };
  try {
    await waitUntilReady(child, `${base}/readyz`, () => stderr);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

async function waitUntilReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`shiftguard serve exited with ${child.exitCode} before it was ready:\n${stderr()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`shiftguard serve not ready at ${url} after ${READY_TIMEOUT_MS} ms:\n${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}


/** Longest wait for the final report once the upgrade is registered, ms. */
const FINAL_REPORT_TIMEOUT_MS = 30_000;

/**
 * Registers `upgrade` (operator) and returns its final report (viewer), checked against CONTRACT §5.
 * Until the after window is complete (its end plus `monitoring.delay`, by the service's wall clock)
 * the service answers with its continuous-monitoring evaluation (`monitoring.status` `monitoring`);
 * this polls until the report is `final`, the one-look analysis that `analyze` makes.
 */
export async function registerAndReport(service: PushService, upgrade: UpgradeDescription): Promise<ContractReport> {
  const registered = await service.call('/api/v1/upgrades', 'operator', { method: 'POST', body: JSON.stringify(upgrade) });
  expect(registered.status, `POST /api/v1/upgrades: ${await registered.clone().text()}`).toBe(201);
  const deadline = Date.now() + FINAL_REPORT_TIMEOUT_MS;
  for (;;) {
    const response = await service.call(`/api/v1/upgrades/${encodeURIComponent(upgrade.id)}/report`, 'viewer');
    const body = await response.text();
    expect(response.status, `GET report: ${body}\nservice log:\n${service.stderr()}`).toBe(200);
    const status = (JSON.parse(body) as { monitoring?: { status?: string } }).monitoring?.status;
    if (status === undefined || status === 'final') return parseContractReport(body);
    if (Date.now() > deadline) throw new Error(`report of ${upgrade.id} still "${status}" after ${FINAL_REPORT_TIMEOUT_MS} ms:\n${body.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The service's ingest counters: accepted samples per protocol and rejected samples per protocol and reason. */
export interface IngestCounters {
  readonly ingested: Readonly<Record<string, number>>;
  /** Keyed `protocol/reason`. */
  readonly rejected: Readonly<Record<string, number>>;
}

/** Reads `shiftguard_samples_ingested_total` and `shiftguard_samples_rejected_total` from `GET /metrics`. */
export async function ingestCounters(service: PushService): Promise<IngestCounters> {
  const text = await (await service.call('/metrics')).text();
  const ingested: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^shiftguard_samples_(ingested|rejected)_total\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(match[3]);
    if (match[1] === 'ingested') ingested[labels['protocol'] ?? ''] = value;
    else rejected[`${labels['protocol'] ?? ''}/${labels['reason'] ?? ''}`] = value;
  }
  return { ingested, rejected };
}

/** Per group key: the verdict and the top suspect's binary (`-` when none). */
export function verdictOutline(report: ContractReport): Map<string, string> {
  return new Map(report.groups.map((g) => [groupKey(g), `${g.verdict} ${g.suspects[0]?.binary ?? '-'}`]));
}

/** Prints one row per group and one column per report (verdict and top suspect) to stderr. */
export function printVerdictTable(title: string, reports: Readonly<Record<string, ContractReport>>): void {
  const names = Object.keys(reports);
  const outlines = names.map((name) => verdictOutline(reports[name] as ContractReport));
  const keys = [...new Set(outlines.flatMap((o) => [...o.keys()]))].sort();
  const rows = [['group', ...names], ...keys.map((key) => [key, ...outlines.map((o) => o.get(key) ?? '(missing)')])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  process.stderr.write(`\n${title}\n${lines.join('\n')}\n\n`);
}

/** Asserts that every report has the same groups with the same verdicts and top suspects as the first. */
export function expectSameVerdicts(reports: Readonly<Record<string, ContractReport>>): void {
  const [first, ...rest] = Object.entries(reports);
  if (first === undefined) return;
  const expected = Object.fromEntries(verdictOutline(first[1]));
  for (const [name, report] of rest) {
    expect(Object.fromEntries(verdictOutline(report)), `${name} against ${first[0]}`).toEqual(expected);
  }
}

/** Per group key: verdict, onset, statistics and suspects (binary and score), everything the data decides. */
function groupDetails(report: ContractReport): Record<string, unknown> {
  return Object.fromEntries(
    report.groups.map((g) => [groupKey(g), { verdict: g.verdict, onset: g.onset, statistics: g.statistics, suspects: g.suspects.map((s) => [s.binary, s.score]) }]),
  );
}

/**
 * Asserts that two reports of one upgrade agree on everything the data decides (statistics, onsets,
 * suspect scores), as they must when both were computed from the same samples.
 */
export function expectSameStatistics(reports: Readonly<Record<string, ContractReport>>): void {
  const [first, ...rest] = Object.entries(reports);
  if (first === undefined) return;
  for (const [name, report] of rest) expect(groupDetails(report), `${name} against ${first[0]}`).toEqual(groupDetails(first[1]));
}
