/**
 * The simulated dten-sync client in a closed loop with real components: a real unleash-server 6.10.1
 * (own PostgreSQL database) holding the gate and tuning flags, a real `shiftguard serve` (built CLI)
 * receiving its OTLP, the in-process partner API on loopback. One client runs in-process for the
 * whole file (4 instances, 200 req/s, upgrade 5 s after start, Unleash refresh 1 s) while the tests,
 * in order, check that: v2 with the eager payload retries more than v1, and each as the tuner's retry
 * model predicts; a payload change made through the Admin API reaches every instance within the
 * refresh interval + 2 s; turning the gate off puts every instance back on v1 as fast; the series
 * reach shiftguard under the names and labels its configuration expects. Finally the CLI
 * `shiftguard sim-client` runs as a child process and stops cleanly on SIGTERM.
 *
 * Needs `npm run build` first (serve and the CLI run from dist/; `npm test` builds). Without
 * PostgreSQL the suite is skipped with the reason, except under CI, where it fails.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDtenSyncClient, TO_VERSION } from '../../src/sim/dten-sync/client.js';
import type { DtenSyncClient, DtenSyncStats } from '../../src/sim/dten-sync/client.js';
import { retriesPerRequest, retriesPerRequestStandardError, tallyDifference } from '../../src/sim/dten-sync/client-stats.js';
import type { StrategyTally } from '../../src/sim/dten-sync/client-stats.js';
import { describeStrategy, V1_DEFAULTS, V2_DEFAULTS } from '../../src/sim/dten-sync/backoff.js';
import { retryFailureProbability, DEFAULT_PARTNER_FAULTS } from '../../src/sim/dten-sync/partner-faults.js';
import { lognormal } from '../../src/sim/distributions.js';
import { predictRetries } from '../../src/tune/retry-model.js';
import type { BackoffConstants } from '../../src/tune/retry-model.js';
import { freePort } from '../e2e/free-port.js';
import { ingestCounters, PUSH_TOKENS, registerAndReport, startPushService } from '../e2e/push-service.js';
import type { PushService } from '../e2e/push-service.js';
import { CLI_PATH, makeTempDir, runCli } from '../e2e/run-cli.js';
import type { TempDir } from '../e2e/run-cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { stopProcess } from '../support/stop-process.js';
import { createBackoffFlag, flagEnvironmentPath, replaceBackoffPayload, startUnleash, unleashUnavailableReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashUnavailableReason();
if (unavailable !== null) {
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(`CI requires a real Unleash for the dten-sync client test: ${unavailable}`);
  console.warn(`SKIPPED dten-sync client integration test: ${unavailable}`);
}

/** Flag names of this file (the names are options, so suites can share an Unleash). */
const GATE = 'it.dten.sync.backoff-v2';
const TUNED = 'it.dten.sync.backoff';
const EAGER: BackoffConstants = V2_DEFAULTS;
const PATIENT: BackoffConstants = { baseDelayMs: 400, multiplier: 2, maxDelayMs: 4000, maxRetries: 3, jitter: 'none' };
const REFRESH_MS = 1000;
/** How long a flag change may take to reach every instance: one refresh plus 2 s. */
const PROPAGATION_MS = REFRESH_MS + 2000;
/** More first-attempt failures than the default 8 %, so 5 s of traffic per strategy tells them apart by several standard errors. */
const BASE_FAILURE = 0.15;
const RATE = 200;
const UPGRADE_AFTER_MS = 5000;

let unleash: UnleashServer | undefined;
let service: PushService | undefined;
let client: DtenSyncClient | undefined;
let tmp: TempDir | undefined;
let upgradeAtMs = 0;
const clientLog: string[] = [];

function running<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not running`);
  return value;
}

function envPath(flag: string): string {
  return flagEnvironmentPath(running(unleash, 'Unleash'), flag);
}

async function createFlag(flag: string, payload?: BackoffConstants): Promise<void> {
  await createBackoffFlag(running(unleash, 'Unleash'), flag, payload);
}

/** Replaces the payload of the tuning flag's one variant, as the tuner (or a human) does through the Admin API. */
async function setPayload(constants: BackoffConstants): Promise<void> {
  await replaceBackoffPayload(running(unleash, 'Unleash'), TUNED, constants);
}

/** Polls `check` on the client's statistics every 50 ms; resolves with the ms it took, rejects after `timeoutMs`. */
async function waitForStats(what: string, check: (stats: DtenSyncStats) => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const stats = running(client, 'the client').stats();
    if (check(stats)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${what}: not reached within ${timeoutMs} ms; instances: ${JSON.stringify(stats.instances.map((i) => `${i.instance} ${i.version} ${i.description}`))}\nclient log:\n${clientLog.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A `shiftguard sim-client` child process (2 instances, 40 req/s) on this file's flags, reading Unleash at `unleashUrl`. */
function startSimClientCli(unleashUrl: string): {
  child: ChildProcess; exited: Promise<number | null>; stderr(): string;
  waitFor(what: string, check: () => boolean): Promise<void>; waitForStderr(pattern: RegExp): Promise<void>;
} {
  const args = ['sim-client', '--unleash-url', unleashUrl, '--shiftguard-url', running(service, 'shiftguard serve').base, '--rate', '40', '--instances', '2',
    '--refresh-interval', '1s', '--export-interval', '500ms', '--progress-interval', '1s', '--gate-flag', GATE, '--tune-flag', TUNED];
  const env: NodeJS.ProcessEnv = { ...process.env, UNLEASH_CLIENT_TOKEN: running(unleash, 'Unleash').clientToken, SHIFTGUARD_INGEST_TOKEN: PUSH_TOKENS.ingest };
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (what: string, check: () => boolean): Promise<void> => {
    const deadline = performance.now() + 20_000;
    while (!check()) {
      if (child.exitCode !== null) throw new Error(`sim-client exited (${child.exitCode}) before ${what}:\n${stderr}`);
      if (performance.now() > deadline) throw new Error(`sim-client: no ${what} within 20 s:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, stderr: () => stderr, waitFor, waitForStderr: (pattern) => waitFor(`stderr matching ${pattern}`, () => pattern.test(stderr)) };
}

/** The tuner's retry model with this partner's fault shape (seeded), for the strategy's predicted retries per request. */
function predicted(constants: BackoffConstants): { retriesPerRequest: number; standardError: number } {
  const faults = { ...DEFAULT_PARTNER_FAULTS, baseFailure: BASE_FAILURE };
  const requests = 40_000;
  const prediction = predictRetries(
    { failureProbability: BASE_FAILURE, latencyMs: (rng) => lognormal(rng, Math.log(faults.latencyMs), faults.latencySigma), retryFailureProbability: (sleepMs) => retryFailureProbability(sleepMs, faults) },
    constants,
    { requests, seed: 3 },
  );
  // A generous bound on the simulation's own error: retries per request never exceed maxRetries.
  return { retriesPerRequest: prediction.retriesPerRequest, standardError: constants.maxRetries / Math.sqrt(requests) };
}

function expectNear(observed: StrategyTally, model: { retriesPerRequest: number; standardError: number }, label: string): void {
  const se = Math.hypot(retriesPerRequestStandardError(observed), model.standardError);
  expect(Math.abs(retriesPerRequest(observed) - model.retriesPerRequest), `${label}: observed ${retriesPerRequest(observed)} vs model ${model.retriesPerRequest} (SE ${se})`).toBeLessThan(4 * se);
}

const V1_KEY = describeStrategy({ kind: 'v1', v1: V1_DEFAULTS });
const EAGER_KEY = describeStrategy({ kind: 'v2', constants: EAGER, source: 'flag' });

describe.skipIf(unavailable !== null)('dten-sync client with real Unleash and shiftguard serve', () => {
  beforeAll(async () => {
    unleash = await startUnleash();
    await createFlag(GATE);
    await createFlag(TUNED, EAGER);
    tmp = makeTempDir('dten-sync-client');
    const serveDir = join(tmp.path, 'serve');
    mkdirSync(serveDir);
    // Second-scale windows: the report on the client's ~20 s of data is final seconds after the upgrade.
    service = await startPushService(serveDir, ['windows:', '  baseline: 4s', '  after: 5s', '  settle: 1s', '  slice: 1s', 'monitoring:', '  delay: 1s', ''].join('\n'));
    upgradeAtMs = Date.now() + UPGRADE_AFTER_MS;
    client = await startDtenSyncClient({
      unleashUrl: unleash.url, unleashToken: unleash.clientToken, shiftguardUrl: service.base, ingestToken: PUSH_TOKENS.ingest,
      ratePerSecond: RATE, instances: 4, upgradeAtMs, seed: 5, refreshIntervalMs: REFRESH_MS, exportIntervalMs: 1000,
      gateFlag: GATE, tuneFlag: TUNED, partnerFaults: { baseFailure: BASE_FAILURE }, progressIntervalMs: 2000, log: (line) => clientLog.push(line),
    });
  });

  afterAll(async () => {
    await client?.stop();
    await service?.stop();
    await unleash?.stop();
    tmp?.remove();
  });

  it('(a) after the upgrade, v2 with the eager payload retries clearly more than v1, each as the tuner\'s model predicts', async () => {
    await waitForStats('every instance on 2.0.0 with v2', (s) => s.instances.every((i) => i.version === TO_VERSION && i.description === EAGER_KEY), UPGRADE_AFTER_MS + 10_000);
    await waitForStats('1200 requests with v2', (s) => (s.byStrategy[EAGER_KEY]?.requests ?? 0) >= 1200, 20_000);
    const stats = running(client, 'the client').stats();
    const v1 = tallyDifference(stats.byStrategy[V1_KEY], undefined);
    const v2 = tallyDifference(stats.byStrategy[EAGER_KEY], undefined);
    expect(v1.requests).toBeGreaterThan(600);
    const difference = retriesPerRequest(v2) - retriesPerRequest(v1);
    const se = Math.hypot(retriesPerRequestStandardError(v1), retriesPerRequestStandardError(v2));
    const v1Model = predicted({ baseDelayMs: V1_DEFAULTS.delayMs, multiplier: 1, maxDelayMs: V1_DEFAULTS.delayMs, maxRetries: V1_DEFAULTS.maxRetries, jitter: 'none' });
    const v2Model = predicted(EAGER);
    process.stderr.write(`dten-sync: v1 ${retriesPerRequest(v1).toFixed(3)} retries/req over ${v1.requests} requests (model ${v1Model.retriesPerRequest.toFixed(3)}), `
      + `v2 eager ${retriesPerRequest(v2).toFixed(3)} over ${v2.requests} (model ${v2Model.retriesPerRequest.toFixed(3)}); difference ${difference.toFixed(3)} = ${(difference / se).toFixed(1)} SE\n`);
    expect(difference / se, `v2 − v1 in standard errors (v1 ${JSON.stringify(v1)}, v2 ${JSON.stringify(v2)})`).toBeGreaterThan(3);
    expectNear(v1, v1Model, 'v1');
    expectNear(v2, v2Model, 'v2 eager');
  });

  it('(c) a new payload written through the Admin API reaches every instance within the refresh interval + 2 s', async () => {
    await setPayload(PATIENT);
    const patientKey = describeStrategy({ kind: 'v2', constants: PATIENT, source: 'flag' });
    const tookMs = await waitForStats('every instance on the new payload', (s) => s.instances.every((i) => i.description === patientKey), PROPAGATION_MS + 5000);
    expect(tookMs).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it('(b) turning the gate off through the Admin API puts every instance back on v1 within the refresh interval + 2 s', async () => {
    await running(unleash, 'Unleash').adminOk('POST', `${envPath(GATE)}/off`);
    const tookMs = await waitForStats('every instance back on v1', (s) => s.instances.every((i) => i.version === TO_VERSION && i.strategy.kind === 'v1'), PROPAGATION_MS + 5000);
    expect(tookMs).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it('(d) the series reach shiftguard: every export accepted, and the report finds the retries, latency and build-info series', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const c = running(client, 'the client');
    await c.stop();
    const exports = c.stats().exports;
    expect(exports?.failed, `last export error: ${exports?.lastError}`).toBe(0);
    expect(exports?.ok).toBeGreaterThan(0);
    const s = running(service, 'shiftguard serve');
    const counters = await ingestCounters(s);
    expect(counters.rejected).toEqual({});
    expect(counters.ingested['otlp']).toBeGreaterThan(0);

    const report = await registerAndReport(s, {
      id: 'dten-sync-sim', startedAt: new Date(upgradeAtMs).toISOString(),
      binaries: [{ name: 'dten-sync', from: '1.0.0', to: TO_VERSION }],
      flags: [{ name: GATE, binary: 'dten-sync' }],
    });
    const groups = report.groups.map((g) => `${g.signal} ${JSON.stringify(g.labels)} ${g.verdict}`);
    process.stderr.write(`shiftguard report on the client's data:\n  ${groups.join('\n  ')}\n  warnings: ${JSON.stringify(report.warnings)}\n`);
    expect(report.groups.map((g) => ({ signal: g.signal, labels: g.labels }))).toEqual(expect.arrayContaining([
      { signal: 'latency', labels: { service: 'dten-sync', endpoint: '/sync' } },
      { signal: 'retries', labels: { service: 'dten-sync', peer: 'partner' } },
    ]));
    // Build-info arrived per instance with both versions: shiftguard found each instance's rollout from it.
    expect(report.warnings.filter((w) => /dten-sync|build-info|rollout/.test(w))).toEqual([]);
  });

  it('runs as `shiftguard sim-client`: exports, then exits 0 on SIGTERM', async () => {
    const cli = startSimClientCli(running(unleash, 'Unleash').url);
    try {
      await cli.waitForStderr(/otlp [1-9]\d* ok\/0 failed/);
      cli.child.kill('SIGTERM');
      expect(await cli.exited, cli.stderr()).toBe(0);
    } finally {
      await stopProcess(cli.child);
    }
    expect(cli.stderr()).toMatch(/dten-sync: [\d.]+ req\/s, [\d.]+ retries\/req, p99 \d+ ms, otlp [1-9]\d* ok\/0 failed \| dten-sync-0,dten-sync-1 1\.0\.0 v1\(400ms x2\)/);
    expect(cli.stderr()).toContain('dten-sync: stopping (SIGTERM)');
  });

  it('`shiftguard sim-client` stops promptly on SIGTERM while Unleash hangs (fault proxy), keeping its last flags meanwhile', async () => {
    const proxy = await startFaultProxy(running(unleash, 'Unleash').url);
    const cli = startSimClientCli(proxy.url);
    try {
      await cli.waitForStderr(/otlp [1-9]\d* ok\/0 failed/);
      proxy.setMode('hang');
      const before = proxy.requests();
      await cli.waitFor('a flag fetch held by the proxy', () => proxy.requests() > before);
      const lines = cli.stderr().split('\n').length;
      await cli.waitFor('a progress line during the outage', () => cli.stderr().split('\n').slice(lines).some((l) => /^dten-sync: [\d.]+ req\/s/.test(l)));
      const stoppingAt = performance.now();
      cli.child.kill('SIGTERM');
      expect(await cli.exited, cli.stderr()).toBe(0);
      process.stderr.write(`sim-client: exited ${Math.round(performance.now() - stoppingAt)} ms after SIGTERM during the Unleash outage\n`);
      // Without stopping its own sockets the SDK would wait out its 10 s request timeout, three times.
      expect(performance.now() - stoppingAt).toBeLessThan(8000);
    } finally {
      await stopProcess(cli.child);
      await proxy.stop();
    }
  });

  it('`shiftguard sim-client` with Unleash unreachable fails in one line with exit 1', async () => {
    const port = await freePort();
    const result = await runCli(['sim-client', '--unleash-url', `http://127.0.0.1:${port}/api`, '--unleash-token', 'x', '--unleash-timeout', '1s']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(`shiftguard: sim-client: Unleash at http://127.0.0.1:${port}/api gave no flags within 1000 ms\n`);
  });
});
