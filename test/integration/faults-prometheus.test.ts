/**
 * Issue 6 faults of the pull source: Prometheus down, and Prometheus slower than `prometheus.timeout`,
 * while `serve` monitors an upgrade and the tuner verifies a change it made for it.
 *
 * A real Prometheus holds the seeded push scenario at the second scale (test/support/scenario-prometheus.ts:
 * its dten-gateway upgrade moves p99 of `/v1/route`; the sequential test finds it ~10 s after the
 * upgrade, the after window is complete ~26 s after it). Two `serve`s (in this process, on the source
 * tree, each with its own SQLite store) read it through a fault proxy each and run side by side; a
 * guardrails rule lets the tuner turn a gate off (serve's in-memory flag service) for that regression,
 * with an 8 s verify window. Once the finding is open and the change is being verified, the proxy
 * fails: `refuse` (connections reset, as by a dead Prometheus) or `hang` (no answer; the 2 s
 * `prometheus.timeout` ends each request). The fault lasts past the moment the change's verification
 * is due and past the end of the after window (the final report is due), then the proxy passes again.
 *
 * During the fault: the report answers 502 `metrics_source_error` naming Prometheus; evaluations
 * count as `outcome="error"` and the operational alert `ShiftguardMonitoringFailing` (cause
 * `metrics_source`) is active until monitoring works again; the tuner's rounds fail with a message naming Prometheus; `/readyz`
 * stays 200 (the API and push ingest still work: taking the service out of rotation would not bring
 * the data back). Nothing is decided on the missing data: no finding is opened, updated or resolved,
 * the upgrade is not finished and no final report is stored, the change's verification has no
 * outcome (neither better nor worse) and the flag is not touched again.
 * After it, without a restart: the final report is stored, the finding confirmed, the verification
 * judged on the complete data, and evaluations succeed again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';
import { MemoryFlagStore, MemoryFlags } from '../../src/flags/memory-flag-store.js';
import { MONITORING_ALERT } from '../../src/monitor/monitoring-alerts.js';
import { prometheusUnavailableReason } from '../e2e/backfilled-prometheus.js';
import { pushWindowsYaml } from '../e2e/push-scenario.js';
import { makeTempDir } from '../e2e/run-cli.js';
import type { TempDir } from '../e2e/run-cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultMode, FaultProxy } from '../support/fault-proxy.js';
import { SCENARIO_UNIT_MS, startScenarioPrometheus } from '../support/scenario-prometheus.js';
import type { ScenarioPrometheus } from '../support/scenario-prometheus.js';
import { startServeInProcess } from '../support/serve-in-process.js';
import type { InProcessService } from '../support/serve-in-process.js';

const unavailable = prometheusUnavailableReason();
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED Prometheus fault test: ${unavailable}`);

const GATE = 'dten.gateway.route-v2';
/** The upgrade's start, this far after the data is simulated: time for promtool, Prometheus and serve to start. */
const UPGRADE_IN_MS = 5_000;
/** `monitoring.delay` of pushWindowsYaml(1000). */
const DELAY_MS = SCENARIO_UNIT_MS;
const TIMEOUT = '2s';
const WAIT_MS = 60_000;

type Name = 'down' | 'slow';

interface Scenario {
  readonly name: Name;
  readonly mode: FaultMode;
  readonly proxy: FaultProxy;
  readonly flags: MemoryFlags;
  readonly service: InProcessService;
  readonly dbPath: string;
}

interface ApiFinding {
  readonly id: string;
  readonly signal: string;
  readonly labels: Record<string, string>;
  readonly resolvedAt: string | null;
}

interface ApiDecision {
  readonly id: string;
  readonly flag: string;
  readonly status: string;
  readonly proposal: { readonly verification: { readonly untilMs: number; readonly outcome: string | null; readonly summary: string | null } | null };
}

let tmp: TempDir | undefined;
let source: ScenarioPrometheus | undefined;
const scenarios: Partial<Record<Name, Scenario>> = {};

describe.skipIf(unavailable !== null && !inCi).concurrent('the Prometheus pull source down or slow while serve monitors an upgrade', () => {
  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the Prometheus fault test must run, but ${unavailable}`);
    tmp = makeTempDir('faults-prometheus');
    const promDir = join(tmp.path, 'prometheus');
    mkdirSync(promDir);
    source = await startScenarioPrometheus(promDir, UPGRADE_IN_MS);
    const started = await Promise.allSettled([startScenario('down', 'refuse', source), startScenario('slow', 'hang', source)]);
    for (const s of started) if (s.status === 'fulfilled') scenarios[s.value.name] = s.value;
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }, 90_000);

  afterAll(async () => {
    for (const s of Object.values(scenarios)) s.proxy.setMode('pass');
    await Promise.allSettled(Object.values(scenarios).map((s) => s.service.stop()));
    await Promise.allSettled(Object.values(scenarios).map((s) => s.proxy.stop()));
    await source?.prometheus.stop();
    tmp?.remove();
  }, 60_000);

  it.for([
    ['down', 'connections reset'],
    ['slow', `no answer within prometheus.timeout (${TIMEOUT})`],
  ] as const)('Prometheus %s (%s): a clear degraded state, nothing decided on the gap, recovery without a restart', { timeout: 150_000 }, async ([name], { expect }) => {
    const s = scenarios[name];
    if (s === undefined || source === undefined) throw new Error(`scenario ${name} did not start`);
    await runFault(expect, s, source);
  });
});

/** A proxy in front of Prometheus, the gate flag (on), guardrails, serve reading through the proxy, and the upgrade registered. */
async function startScenario(name: Name, mode: FaultMode, prom: ScenarioPrometheus): Promise<Scenario> {
  const dir = join(tmp?.path ?? '.', name);
  mkdirSync(dir);
  const proxy = await startFaultProxy(prom.prometheus.url);
  const flags = new MemoryFlags('production');
  flags.define(GATE, { enabled: true });
  const guardrails = join(dir, 'guardrails.yaml');
  writeFileSync(
    guardrails,
    [
      'mode: enforce',
      'unleash: { url: "http://127.0.0.1:4242/api", environment: production }',
      'rules:',
      `  - flag: ${GATE}`,
      '    may: [disable]',
      '    when: { signal: latency, binary: dten-gateway }',
      'limits: { cooldown: 1m, maxChangesPerDay: 6, verifyWindow: 8s }',
      '',
    ].join('\n'),
  );
  const dbPath = join(dir, 'shiftguard.db');
  const service = await startServeInProcess({
    dir,
    configYaml: [
      `store: { url: "sqlite:${dbPath}" }`,
      `prometheus: { url: "${proxy.url}", timeout: ${TIMEOUT} }`,
      `tuner: { guardrails: "${guardrails}", interval: 1s }`,
      'outbound: { allowLoopback: true }',
      pushWindowsYaml(SCENARIO_UNIT_MS),
    ].join('\n'),
    flags: new MemoryFlagStore(flags),
  }).catch(async (error: unknown) => {
    await proxy.stop();
    throw error;
  });
  const registered = await service.call('/api/v1/upgrades', 'operator', { method: 'POST', body: JSON.stringify(prom.upgrade) });
  if (registered.status !== 201) throw new Error(`${name}: registering the upgrade answered ${registered.status}: ${await registered.text()}`);
  return { name, mode, proxy, flags, service, dbPath };
}

async function runFault(expect: ExpectStatic, s: Scenario, prom: ScenarioPrometheus): Promise<void> {
  const { service } = s;
  const upgradeId = prom.upgrade.id;
  const log = (): string => service.logText().slice(-3000);
  // Before: the finding is open and the tuner's change to it is being verified.
  await until(s, 'the regression found', async () => (await findings(service, upgradeId)).length > 0);
  const verifying = await until(s, 'the change being verified', async () => (await decisions(service, upgradeId)).find((d) => d.status === 'verifying' && d.proposal.verification !== null) ?? null);
  const report = (await (await service.call(`/api/v1/upgrades/${upgradeId}/report`, 'viewer')).json()) as { windows: { after: { end: string } }; monitoring: { status: string } };
  expect(report.monitoring.status).toBe('monitoring');
  const before = await findings(service, upgradeId);
  expect(before.map((f) => [f.signal, f.labels, f.resolvedAt])).toEqual([['latency', { service: 'gateway', endpoint: '/v1/route' }, null]]);
  expect(s.flags.events(GATE).map((e) => e.type)).toEqual(['feature-environment-disabled']);

  s.proxy.setMode(s.mode);
  // Until the verification and the final report are both due, and an evaluation and a tuner round have failed since.
  const dueMs = Math.max(verifying.proposal.verification?.untilMs ?? 0, Date.parse(report.windows.after.end)) + DELAY_MS + SCENARIO_UNIT_MS;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueMs - Date.now())));
  const evalErrors = await counter(service, 'shiftguard_monitor_evaluations_total', { outcome: 'error' });
  const roundErrors = await counter(service, 'shiftguard_tuner_rounds_total', { outcome: 'error' });
  // (Or deciding on the gap, which the checks below refuse: a final report stored, a verification judged.)
  const monitorTried = async (): Promise<boolean> => (await counter(service, 'shiftguard_monitor_evaluations_total', { outcome: 'error' })) > evalErrors || stored(s.dbPath, upgradeId).status !== 'monitoring';
  const tunerTried = async (): Promise<boolean> =>
    (await counter(service, 'shiftguard_tuner_rounds_total', { outcome: 'error' })) > roundErrors || (await decisions(service, upgradeId)).some((d) => d.id === verifying.id && d.proposal.verification?.outcome !== null);
  await until(s, 'an evaluation and a tuner round after both were due', async () => (await monitorTried()) && (await tunerTried()));

  // A clear degraded state.
  const during = await service.call(`/api/v1/upgrades/${upgradeId}/report`, 'viewer');
  const duringBody = await during.text();
  expect(during.status, duringBody).toBe(502);
  const error = (JSON.parse(duringBody) as { error: { code: string; message: string } }).error;
  expect(error.code).toBe('metrics_source_error');
  expect(error.message).toContain(`Prometheus at ${s.proxy.url}/`);
  expect((await service.call('/readyz')).status).toBe(200);
  const tuner = (await (await service.call('/api/v1/tuner', 'viewer')).json()) as { lastRound: { outcome: string; message: string | null } | null; alerts: ActiveAlert[] };
  expect(tuner.lastRound?.outcome).toBe('error');
  expect(tuner.lastRound?.message).toContain('Prometheus at ');
  // An operational alert says monitoring fails and why (to Alertmanager when configured).
  expect(tuner.alerts.filter((a) => a.name === MONITORING_ALERT)).toEqual([
    expect.objectContaining({ labels: { cause: 'metrics_source' }, summary: `Monitoring fails for upgrade ${upgradeId}`, description: expect.stringContaining('Prometheus at ') as unknown }),
  ]);
  // Nothing decided on the gap.
  expect(await findings(service, upgradeId), log()).toEqual(before);
  const held = (await decisions(service, upgradeId)).find((d) => d.id === verifying.id);
  expect(held?.status).toBe('verifying');
  expect(held?.proposal.verification?.outcome).toBeNull();
  expect(s.flags.events(GATE).map((e) => e.type)).toEqual(['feature-environment-disabled']);
  expect(stored(s.dbPath, upgradeId)).toEqual({ status: 'monitoring', reports: 0 });

  // Prometheus answers again: the final report, the verification, no restart.
  const okBefore = await counter(service, 'shiftguard_monitor_evaluations_total', { outcome: 'ok' });
  s.proxy.setMode('pass');
  await until(s, 'the final report', async () => stored(s.dbPath, upgradeId).status === 'finished');
  await until(s, 'the monitoring alert cleared', async () => !(await activeAlerts(service)).some((a) => a.name === MONITORING_ALERT));
  const final = (await (await service.call(`/api/v1/upgrades/${upgradeId}/report`, 'viewer')).json()) as { monitoring: { status: string } };
  expect(final.monitoring.status).toBe('final');
  expect(await counter(service, 'shiftguard_monitor_evaluations_total', { outcome: 'ok' })).toBeGreaterThan(okBefore);
  const after = await findings(service, upgradeId);
  expect(after.map((f) => [f.id, f.resolvedAt])).toEqual([[before[0]?.id, null]]);
  const judged = await until(s, 'the verification judged', async () => {
    const d = (await decisions(service, upgradeId)).find((x) => x.id === verifying.id);
    return d?.proposal.verification?.outcome === null || d === undefined ? null : d;
  });
  const outcome = judged.proposal.verification?.outcome ?? '';
  expect(['better', 'no_change', 'inconclusive', 'worse']).toContain(outcome);
  await until(s, 'the flag write of the judgement', async () => s.flags.events(GATE).length === (outcome === 'worse' ? 2 : 1));
  process.stderr.write(`faults-prometheus [${s.name}]: the fault held the verification and the final report; after it: final stored, finding ${before[0]?.id ?? '?'} kept, verification ${outcome} (${judged.proposal.verification?.summary ?? ''})\n`);
}

/** An operational alert as `/api/v1/tuner` lists it. */
interface ActiveAlert {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly summary: string;
  readonly description: string;
}

async function activeAlerts(service: InProcessService): Promise<ActiveAlert[]> {
  return ((await (await service.call('/api/v1/tuner', 'viewer')).json()) as { alerts: ActiveAlert[] }).alerts;
}

async function findings(service: InProcessService, upgradeId: string): Promise<ApiFinding[]> {
  const response = await service.call(`/api/v1/findings?upgrade=${encodeURIComponent(upgradeId)}`, 'viewer');
  if (response.status !== 200) throw new Error(`GET /api/v1/findings answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ApiFinding[];
}

async function decisions(service: InProcessService, upgradeId: string): Promise<ApiDecision[]> {
  const response = await service.call(`/api/v1/decisions?upgrade=${encodeURIComponent(upgradeId)}`, 'viewer');
  if (response.status !== 200) throw new Error(`GET /api/v1/decisions answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ApiDecision[];
}

async function counter(service: InProcessService, name: string, labels: Record<string, string>): Promise<number> {
  return (await service.metric(name, labels)) ?? 0;
}

/** The upgrade's status and how many reports are stored for it, read from the database file directly. */
function stored(dbPath: string, upgradeId: string): { status: string; reports: number } {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const row = db.prepare('SELECT status FROM upgrades WHERE id = ?').get(upgradeId) as { status: string } | undefined;
    const reports = (db.prepare('SELECT count(*) AS n FROM upgrade_reports WHERE upgrade_id = ?').get(upgradeId) as { n: number }).n;
    return { status: row?.status ?? '(missing)', reports };
  } finally {
    db.close();
  }
}

/** Polls `check` until it returns true or a non-null value (returned), failing with serve's log after {@link WAIT_MS}. */
async function until<T>(s: Scenario, what: string, check: () => Promise<T | null | boolean>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`${s.name}: ${what}: not within ${WAIT_MS} ms\n${s.service.logText().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
