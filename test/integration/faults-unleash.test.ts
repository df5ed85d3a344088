/**
 * Issue 6 faults of the flag service, with a real Unleash 6.10 behind the fault proxy
 * (test/support/fault-proxy.ts): Unleash answering 500, and Unleash refusing the tuner's token (401,
 * answered by Unleash itself: the proxy swaps the token for one Unleash never issued). An Unleash
 * that is down (503, connections refused) is covered by test/e2e/tuner-faults.test.ts.
 *
 * Each scenario runs `serve` in this process (the source tree) with the tuner on, its state store
 * seeded with what a finished upgrade leaves behind: the final report and an open retries
 * regression attributed to dten-sync, which a guardrails rule answers by turning a gate off. The two
 * scenarios share one Unleash (each its own flag and proxy) and run side by side. Checks:
 * - 500: every round tries 4 times (the adapter's bounded retries, then "unavailable"), raises
 *   ShiftguardUnleashUnavailable and counts `outage` rounds; nothing changes in Unleash;
 * - 401: one request per round (a refusal is not retried), ShiftguardUnleashAuthRefused
 *   naming the variable the token came from (UNLEASH_ADMIN_TOKEN), never the token, which is in no
 *   answer of the API and no log line either; nothing changes in Unleash;
 * - recovery, without a restart: once Unleash answers again the tuner reads the flag, makes its one
 *   change (Unleash's event log holds exactly one, by the tuner's token), and the alert clears.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';
import { SqliteStateStore } from '../../src/store/sqlite-state-store.js';
import { makeTempDir } from '../e2e/run-cli.js';
import type { TempDir } from '../e2e/run-cli.js';
import { WRONG_TOKEN, startFaultProxy } from '../support/fault-proxy.js';
import type { FaultMode, FaultProxy } from '../support/fault-proxy.js';
import { sampleValue, startServeInProcess } from '../support/serve-in-process.js';
import type { InProcessService } from '../support/serve-in-process.js';
import { TUNER_TOKEN_NAME, createBackoffFlag, flagEnvironmentPath, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashSkipReason('the Unleash fault tests');

const UPGRADE_ID = 'dten-faults';
const STARTED_AT = '2026-04-10T12:00:00Z';
/** Attempts of one Unleash call before the adapter gives up (DEFAULT_RETRY_POLICY). */
const ATTEMPTS_PER_CALL = 4;
/** Outage rounds to sit through before Unleash comes back. */
const ROUNDS_DOWN = 3;
const WAIT_MS = 60_000;

type Scenario = 'error500' | 'wrongToken';

interface Running {
  readonly flag: string;
  readonly proxy: FaultProxy;
  readonly service: InProcessService;
}

interface TunerJson {
  readonly lastRound: { readonly outcome: string; readonly message: string | null } | null;
  readonly alerts: readonly { readonly name: string; readonly summary: string; readonly description: string }[];
}

let unleash: UnleashServer | undefined;
let tmp: TempDir | undefined;
const scenarios: Partial<Record<Scenario, Running>> = {};

describe.skipIf(unavailable !== null).concurrent('the tuner when Unleash fails, behind a fault proxy', () => {
  beforeAll(async () => {
    tmp = makeTempDir('faults-unleash');
    unleash = await startUnleash();
    const u = unleash;
    for (const scenario of ['error500', 'wrongToken'] as const) scenarios[scenario] = await startScenario(u, scenario, join(tmp.path, scenario));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(Object.values(scenarios).map((r) => r.service.stop()));
    await Promise.allSettled(Object.values(scenarios).map((r) => r.proxy.stop()));
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it('Unleash answering 500: bounded retries per round, an alert and a metric, no change; on recovery one change and the alert clears', async ({ expect }) => {
    const { flag, proxy, service } = need(scenarios.error500, 'the 500 scenario');
    const u = need(unleash, 'Unleash');
    await until('outage rounds', async () => ((await service.metric('shiftguard_tuner_rounds_total', { outcome: 'outage' })) ?? 0) >= ROUNDS_DOWN, service);
    const status = await tunerStatus(service);
    expect(status.lastRound?.outcome).toBe('outage');
    const alert = status.alerts.find((a) => a.name === 'ShiftguardUnleashUnavailable');
    expect(alert?.description).toMatch(new RegExp(`failed ${ATTEMPTS_PER_CALL} times, last with HTTP 500`));
    expect(await service.metric('shiftguard_tuner_flag_service_errors_total', { kind: 'outage' })).toBeGreaterThanOrEqual(ROUNDS_DOWN);
    // Every stopped round made exactly its bounded attempts (a round in flight may have made some of its own).
    const rounds = (await service.metric('shiftguard_tuner_rounds_total', { outcome: 'outage' })) ?? 0;
    const requests = proxy.requests();
    expect(requests).toBeGreaterThanOrEqual(ATTEMPTS_PER_CALL * rounds);
    expect(requests).toBeLessThanOrEqual(ATTEMPTS_PER_CALL * (rounds + 1));
    await expectUntouched(expect, u, flag, service);

    await expectRecovery(expect, u, flag, proxy, service, 'ShiftguardUnleashUnavailable');
  });

  it('Unleash refusing the token (401): one request per round, an alert naming the variable and not the token, no change; on recovery one change', async ({ expect }) => {
    const { flag, proxy, service } = need(scenarios.wrongToken, 'the 401 scenario');
    const u = need(unleash, 'Unleash');
    await until('refused rounds', async () => ((await service.metric('shiftguard_tuner_rounds_total', { outcome: 'auth' })) ?? 0) >= ROUNDS_DOWN, service);
    const response = await service.call('/api/v1/tuner', 'viewer');
    const body = await response.text();
    const status = JSON.parse(body) as TunerJson;
    expect(status.lastRound?.outcome).toBe('auth');
    const alert = status.alerts.find((a) => a.name === 'ShiftguardUnleashAuthRefused');
    expect(alert?.summary).toBe("Unleash refused the tuner's token: the tuner changes nothing until it is fixed");
    expect(alert?.description).toContain('Unleash answered 401');
    expect(alert?.description).toContain('environment variable UNLEASH_ADMIN_TOKEN');
    for (const text of [body, service.logText()]) {
      expect(text).not.toContain(u.adminToken);
      expect(text).not.toContain(u.adminToken.split('.').at(-1) ?? u.adminToken);
      expect(text).not.toContain(WRONG_TOKEN);
    }
    // A refusal is final: one request per round, no retries.
    const exposition = await service.scrape();
    const rounds = sampleValue(exposition, 'shiftguard_tuner_rounds_total', { outcome: 'auth' }) ?? 0;
    expect(sampleValue(exposition, 'shiftguard_tuner_flag_service_errors_total', { kind: 'auth' })).toBe(rounds);
    expect(proxy.requests()).toBeGreaterThanOrEqual(rounds);
    expect(proxy.requests()).toBeLessThanOrEqual(rounds + 1);
    await expectUntouched(expect, u, flag, service);

    await expectRecovery(expect, u, flag, proxy, service, 'ShiftguardUnleashAuthRefused');
  });
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start`);
  return value;
}

/**
 * The scenario's flag (on), its proxy in `mode`, a state store seeded with the finished upgrade, its
 * final report and the open finding, guardrails on the proxy, and serve with the tuner on.
 */
async function startScenario(u: UnleashServer, mode: FaultMode, dir: string): Promise<Running> {
  mkdirSync(dir, { recursive: true });
  const flag = `faults-${mode}.dten.sync.backoff-v2`;
  await createBackoffFlag(u, flag);
  const proxy = await startFaultProxy(u.baseUrl);
  proxy.setMode(mode);
  const dbPath = join(dir, 'shiftguard.db');
  await seedStore(dbPath);
  const guardrails = join(dir, 'guardrails.yaml');
  writeFileSync(
    guardrails,
    [
      'mode: enforce',
      `unleash: { url: "${proxy.url}/api", environment: ${u.environment}, project: ${u.project}, tokenEnv: UNLEASH_ADMIN_TOKEN }`,
      'rules:',
      `  - flag: ${flag}`,
      '    may: [disable]',
      '    when: { signal: retries, binary: dten-sync }',
      'limits: { cooldown: 1m, maxChangesPerDay: 6, verifyWindow: 5m }',
      '',
    ].join('\n'),
  );
  const service = await startServeInProcess({
    dir,
    configYaml: [`store: { url: "sqlite:${dbPath}" }`, `tuner: { guardrails: "${guardrails}", interval: 1s }`, 'outbound: { allowLoopback: true }', ''].join('\n'),
    env: { UNLEASH_ADMIN_TOKEN: u.adminToken },
  }).catch(async (error: unknown) => {
    await proxy.stop();
    throw error;
  });
  return { flag, proxy, service };
}

/** What the monitor leaves once an upgrade is finished: the upgrade, its final report, the regression it confirmed. */
async function seedStore(path: string): Promise<void> {
  const store = new SqliteStateStore({ path });
  await store.open();
  try {
    const document = { id: UPGRADE_ID, startedAt: STARTED_AT, binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0', services: ['sync'] }] };
    const atMs = Date.parse('2026-04-10T14:00:00Z');
    await store.putUpgrade({ id: UPGRADE_ID, document, registeredAtMs: atMs, status: 'finished' });
    const labels = { service: 'sync', peer: 'partner-api' };
    const statistics = [{ name: 'ratio', baseline: 0.04, after: 0.09, relativeChange: 1.25, verdict: 'regression', pValue: 0.0001, qValue: 0.0001 }];
    const suspects = [{ binary: 'dten-sync', from: '2.7.0', to: '2.8.0', score: 0.93, evidence: ['shift began on each instance within 2m of its rollout'] }];
    await store.putReport(
      UPGRADE_ID,
      {
        upgrade: UPGRADE_ID,
        generatedAt: new Date(atMs).toISOString(),
        windows: { baseline: { start: '2026-04-10T10:00:00Z', end: STARTED_AT }, after: { start: '2026-04-10T12:05:00Z', end: '2026-04-10T13:05:00Z' } },
        groups: [{ signal: 'retries', labels, verdict: 'regression', statistics, onset: '2026-04-10T12:06:00Z', suspects }],
        summary: { groups: 1, regressions: 1, improvements: 0, inconclusive: 0, noChange: 0 },
        warnings: [],
        monitoring: { asOf: '2026-04-10T13:06:00Z', method: 'fixed', status: 'final' },
      },
      atMs,
    );
    await store.upsertFinding({ upgradeId: UPGRADE_ID, signal: 'retries', labels, verdict: 'regression', statistics, suspects, atMs });
  } finally {
    await store.close();
  }
}

async function tunerStatus(service: InProcessService): Promise<TunerJson> {
  return (await (await service.call('/api/v1/tuner', 'viewer')).json()) as TunerJson;
}

async function decisions(service: InProcessService): Promise<{ flag: string; status: string; proposal: { applied: { changed: boolean } | null } }[]> {
  return (await (await service.call(`/api/v1/decisions?upgrade=${UPGRADE_ID}`, 'viewer')).json()) as never;
}

async function tunerEvents(u: UnleashServer, flag: string): Promise<string[]> {
  return (await u.listEvents(flag)).filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type);
}

async function enabled(u: UnleashServer, flag: string): Promise<boolean> {
  return ((await u.adminOk('GET', flagEnvironmentPath(u, flag))) as { enabled: boolean }).enabled;
}

/** Nothing written to Unleash by the tuner, the gate still on, no decision taken. */
async function expectUntouched(expect: ExpectStatic, u: UnleashServer, flag: string, service: InProcessService): Promise<void> {
  expect(await tunerEvents(u, flag)).toEqual([]);
  expect(await enabled(u, flag)).toBe(true);
  expect(await decisions(service)).toEqual([]);
}

/** Unleash answers again: the tuner changes the gate once, and the alert `alertName` clears. */
async function expectRecovery(expect: ExpectStatic, u: UnleashServer, flag: string, proxy: FaultProxy, service: InProcessService, alertName: string): Promise<void> {
  proxy.setMode('pass');
  await until('the change once Unleash answers again', async () => (await decisions(service)).some((d) => d.proposal.applied !== null), service);
  const made = await decisions(service);
  expect(made).toHaveLength(1);
  expect(made[0]).toMatchObject({ flag, status: 'verifying', proposal: { applied: { changed: true } } });
  await until(`${alertName} clearing`, async () => !(await tunerStatus(service)).alerts.some((a) => a.name === alertName), service);
  expect(await tunerEvents(u, flag)).toEqual(['feature-environment-disabled']);
  expect(await enabled(u, flag)).toBe(false);
  expect((await tunerStatus(service)).lastRound?.outcome).toBe('ok');
}

async function until(what: string, check: () => Promise<boolean>, service: InProcessService): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms\n${service.logText().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
