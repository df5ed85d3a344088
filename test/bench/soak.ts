/**
 * The soak of `shiftguard serve` (issue 6, point 2; `npm run bench -- --only soak`, and in short in
 * `test/e2e/serve-soak.test.ts`): the remote-write benchmark's fleet pushed at `multiplier` times the
 * benchmark's sustained rate for `durationMs`, on loopback, into one `serve` that monitors an upgrade
 * the whole time, plus a few OTLP exporters. It checks that memory stays under the budget, overload
 * is answered 503 with `Retry-After` and nothing else, every sample answered 2xx is stored (by the
 * counters and by reading the data back through detection), detection keeps its cadence,
 * and `serve` is ready and takes a fresh push afterwards. Progress every 10 s on stderr, the figures
 * on stdout.
 */
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import type { Upgrade } from '../../src/upgrades/upgrade.js';
import { SERIES_PER_INSTANCE, buildFleet } from './remote-write-fleet.js';
import { BENCH_SAMPLES_PER_REQUEST, BENCH_SCRAPE_INTERVAL_MS, BENCH_SENDERS, calibrate } from './soak-calibrate.js';
import type { Calibration } from './soak-calibrate.js';
import { RSS_ALLOWANCE_BYTES, SERVE_MAX_EVENT_LOOP_DELAY_MS, cadenceLimitMs, detectionCadence, eventLoopLag, soakChecks } from './soak-figures.js';
import type { FreshPush, SoakCheck, SoakFigures } from './soak-figures.js';
import { encodeBatch } from './soak-encoder.js';
import { buildSoakFleet, lastScrapeAt, newestCompleteBatch, planSoakClock } from './soak-load.js';
import { OTLP_SAMPLES_PER_EXPORT, OTLP_SERVICE, encodeExport, newestExport } from './soak-otlp.js';
import { planSoak, serveRetentionMs, soakConfigYaml, soakUpgrade } from './soak-plan.js';
import type { SoakPlan } from './soak-plan.js';
import type { SoakFleet } from './soak-load.js';
import { offeredSamples, startPushers } from './soak-pushers.js';
import type { PushLoad, Pushers } from './soak-pushers.js';
import { compareWithReference, createReferenceStore } from './soak-readback.js';
import type { ReadbackResult, ReportJson } from './soak-readback.js';
import { formatProgress, formatSoakReport } from './soak-report.js';
import type { ProgressPoint } from './soak-report.js';
import { createLoadStop } from './soak-sender.js';
import { SOAK_TOKENS, startSoakServe } from './soak-serve.js';
import type { SoakServe } from './soak-serve.js';
import { parseServeMetrics, startWatch } from './soak-watch.js';
import type { ServeReading, Watch } from './soak-watch.js';

export interface SoakOptions {
  /** Directory for `serve`'s state and logs (and the calibration receiver's). */
  readonly dir: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly multiplier: number;
  /** Active series of the remote-write fleet (raised when the rate needs more). */
  readonly series: number;
  /** The benchmark's sustained rate, samples/s; null: measure it first ({@link calibrate}). */
  readonly baseSamplesPerSecond: number | null;
  /** Scrapes of the fleet per calibration round (the remote-write section uses 20). */
  readonly calibrationScrapes: number;
  /** Measured calibration rounds after the warm-up (the remote-write section uses 3). */
  readonly calibrationRounds: number;
  readonly otlpExporters: number;
  readonly otlpIntervalMs: number;
  /** The CLI `serve` runs from (default this repository's `bin/shiftguard.js`). */
  readonly cliPath?: string;
  /** Node options of `serve` (e.g. `--cpu-prof`). */
  readonly serveNodeArgs?: readonly string[];
  readonly progress: (message: string) => void;
  readonly out: (text: string) => void;
}

/** Everything the soak measured, for `results.json` and the tests. */
export interface SoakResults {
  readonly plan: SoakPlan;
  readonly calibration: Calibration | null;
  readonly figures: SoakFigures;
  readonly checks: readonly SoakCheck[];
  readonly readings: readonly ServeReading[];
  readonly logPath: string;
}

/** How often `serve` is read, ms. */
const WATCH_INTERVAL_MS = 1000;
const PROGRESS_INTERVAL_MS = 10_000;
/** The remote-write service whose groups are read back (instances 0, 17, 34, … of the fleet). */
const CHECK_SERVICE = 'svc-0';
const UPGRADE_ID = 'soak';
/** Time between registering the upgrade and the load's start, ms. */
const START_MARGIN_MS = 1000;

/** Runs the soak, prints its figures and returns them; a FAIL is in `checks`, not thrown. @throws Error when a component fails. */
export async function runSoak(options: SoakOptions): Promise<SoakResults> {
  const calibration = options.baseSamplesPerSecond === null ? await calibrate({ dir: join(options.dir, 'calibration'), seed: options.seed, series: options.series, scrapesPerRound: options.calibrationScrapes, rounds: options.calibrationRounds, progress: options.progress, now: () => Date.now() }) : null;
  const base = calibration?.samplesPerSecond ?? (options.baseSamplesPerSecond as number);
  const plan = planSoak({ durationMs: options.durationMs, multiplier: options.multiplier, baseSamplesPerSecond: base, series: options.series, seriesPerInstance: SERIES_PER_INSTANCE, benchSenders: BENCH_SENDERS, samplesPerRequest: BENCH_SAMPLES_PER_REQUEST });
  options.progress(`soak: ${plan.durationMs / 1000} s at ${plan.multiplier}x ${base.toFixed(0)} samples/s = ${plan.offeredSamplesPerSecond.toFixed(0)} samples/s offered, ${plan.series} series, ${plan.shards} shards + ${options.otlpExporters} OTLP exporters; slice ${plan.windows.sliceMs / 1000} s`);
  // Built before serve starts: for 30,000 series it takes a second or more, during which an idle
  // keep-alive connection to serve could not be closed in time (serve closes them after 5 s).
  const fleet = buildFleet({ seed: options.seed, targetSeries: plan.series, scrapeIntervalMs: BENCH_SCRAPE_INTERVAL_MS });
  const soak = buildSoakFleet(fleet, plan.shards);
  const configYaml = soakConfigYaml(plan.windows, join(options.dir, 'serve', 'shiftguard.db'));
  const config = parseConfig(configYaml, 'soak configuration', { env: {} });
  const serve = await startSoakServe({ dir: join(options.dir, 'serve'), configYaml, ...(options.cliPath === undefined ? {} : { cliPath: options.cliPath }), ...(options.serveNodeArgs === undefined ? {} : { nodeArgs: options.serveNodeArgs }) });
  try {
    const { figures, readings } = await soakAgainst(serve, soak, plan, config, options);
    const checks = soakChecks(figures);
    options.out(formatSoakReport(plan, figures, checks));
    return { plan, calibration, figures, checks, readings, logPath: serve.logPath };
  } finally {
    await serve.stop();
  }
}

/** Registers the upgrade, runs the load while watching `serve`, then the read-back and the checks after the load. */
async function soakAgainst(serve: SoakServe, soak: SoakFleet, plan: SoakPlan, config: ShiftguardConfig, options: SoakOptions): Promise<{ figures: SoakFigures; readings: readonly ServeReading[] }> {
  const { load, upgrade } = await prepareLoad(serve, soak, plan, config, options);
  const run = { startMs: load.clock.startMs, endMs: load.clock.startMs + plan.durationMs };
  const watch = startWatch(serve, WATCH_INTERVAL_MS, () => Date.now(), () => undefined);
  const idle = await watch.read();
  const pushers = startPushers({ url: serve.url, ingestToken: SOAK_TOKENS.ingest }, load);
  try {
    await runLoad(load, pushers, watch, run, options.progress);
    const quietMs = Date.now();
    const after = await watch.read();
    await watch.stop();
    const readback = await readBack(serve, load, config, upgrade, [CHECK_SERVICE, OTLP_SERVICE], quietMs, options.progress);
    const fresh = await freshPushes(serve, load, pushers);
    return { figures: figuresOf({ plan, load, pushers, readings: watch.readings, idle, after, readback, fresh, watchFailures: watch.failures, ...run }), readings: watch.readings };
  } finally {
    load.stop.stop();
    await watch.stop();
    await pushers.done;
    pushers.close();
  }
}

/** The clocks and the reference store of the load, and the upgrade registered for it (starting after the baseline). */
async function prepareLoad(serve: SoakServe, soak: SoakFleet, plan: SoakPlan, config: ShiftguardConfig, options: SoakOptions): Promise<{ load: PushLoad; upgrade: Upgrade }> {
  const startMs = Date.now() + START_MARGIN_MS;
  const services = [...new Set(soak.fleet.series.map((s) => s.labels.find((l) => l.name === config.labels.service)?.value ?? ''))].sort();
  const upgrade = await registerUpgrade(serve, soakUpgrade(UPGRADE_ID, startMs + plan.upgradeOffsetMs, [...services, OTLP_SERVICE]));
  const load: PushLoad = {
    soak,
    clock: planSoakClock(plan.series, plan.offeredSamplesPerSecond, startMs),
    samplesPerRequest: BENCH_SAMPLES_PER_REQUEST,
    otlp: { seed: options.seed, instances: options.otlpExporters, startMs, intervalMs: options.otlpIntervalMs },
    reference: createReferenceStore({ soak, service: CHECK_SERVICE, config, retentionMs: serveRetentionMs(plan.windows) }),
    stop: createLoadStop(),
    now: () => Date.now(),
  };
  return { load, upgrade };
}

/** What the figures are made of. */
interface Measured {
  readonly plan: SoakPlan;
  readonly load: PushLoad;
  readonly pushers: Pushers;
  readonly readings: readonly ServeReading[];
  /** Readings right before the load and right after its last answer. */
  readonly idle: ServeReading;
  readonly after: ServeReading;
  readonly readback: SoakFigures['readback'];
  readonly fresh: SoakFigures['after'];
  readonly watchFailures: number;
  readonly startMs: number;
  readonly endMs: number;
}

function figuresOf(m: Measured): SoakFigures {
  const { idle, after, plan } = m;
  const offered = offeredSamples(m.load, m.endMs);
  const analyses = after.analyses - idle.analyses;
  return {
    loadSeconds: plan.durationMs / 1000,
    concurrency: plan.shards + m.load.otlp.instances,
    remoteWrite: { offeredSamples: offered.remoteWrite, tally: m.pushers.remoteWrite, ingestedSamples: after.ingestedRemoteWrite - idle.ingestedRemoteWrite },
    otlp: { offeredSamples: offered.otlp, tally: m.pushers.otlp, ingestedSamples: after.ingestedOtlp - idle.ingestedOtlp },
    serverOverloaded: after.overloaded - idle.overloaded,
    serverOverloadedByReason: Object.fromEntries(Object.entries(after.overloadedByReason).map(([reason, n]) => [reason, n - (idle.overloadedByReason[reason] ?? 0)])),
    serverRejected: after.rejected - idle.rejected,
    serverFailedPushes: after.failedPushes - idle.failedPushes,
    memory: memoryFigures(idle, m.readings, after),
    lag: eventLoopLag(m.readings.filter((r) => r.atMs > m.startMs)),
    cadence: detectionCadence(m.readings, m.startMs, m.endMs, plan.windows.sliceMs),
    cadenceLimitMs: cadenceLimitMs(plan.windows.sliceMs, SERVE_MAX_EVENT_LOOP_DELAY_MS, WATCH_INTERVAL_MS),
    evaluationErrors: after.evaluationsError - idle.evaluationsError,
    meanAnalysisSeconds: analyses > 0 ? (after.analysisSeconds - idle.analysisSeconds) / analyses : null,
    readback: m.readback,
    referenceRejected: [...m.load.reference.rejected.values()].reduce((a, b) => a + b, 0),
    after: m.fresh,
    watchFailures: m.watchFailures,
  };
}

/** Waits for the load's start, prints progress every 10 s, stops the load at `endMs` and waits for the pushers. */
async function runLoad(load: PushLoad, pushers: Pushers, watch: Watch, { startMs, endMs }: { startMs: number; endMs: number }, progress: (message: string) => void): Promise<void> {
  const point = (): ProgressPoint => ({
    atMs: Date.now(),
    offeredSamples: offeredSamples(load, Date.now()).remoteWrite,
    remoteWrite: { ...pushers.remoteWrite },
    otlp: { ...pushers.otlp },
    reading: watch.readings.at(-1) ?? null,
  });
  let previous: ProgressPoint = { ...point(), atMs: startMs, offeredSamples: 0 };
  const ticker = setInterval(() => {
    const now = point();
    progress(formatProgress(startMs, previous, now));
    previous = now;
  }, PROGRESS_INTERVAL_MS);
  const stopper = setTimeout(() => load.stop.stop(), Math.max(0, endMs - Date.now()));
  try {
    await pushers.done;
  } finally {
    clearInterval(ticker);
    clearTimeout(stopper);
  }
}

async function registerUpgrade(serve: SoakServe, document: Record<string, unknown>): Promise<Upgrade> {
  const response = await serve.call('/api/v1/upgrades', 'operator', { method: 'POST', body: JSON.stringify(document) });
  if (response.status !== 201) throw new Error(`soak: POST /api/v1/upgrades answered ${response.status}: ${await response.text()}`);
  return validateUpgrade(document, 'soak upgrade');
}

function memoryFigures(idle: ServeReading, readings: readonly ServeReading[], after: ServeReading): SoakFigures['memory'] {
  const all = [idle, ...readings, after];
  return {
    budgetBytes: after.storeBudgetBytes,
    allowanceBytes: RSS_ALLOWANCE_BYTES,
    idleRssBytes: idle.rssBytes,
    peakRssBytes: Math.max(...all.map((r) => r.peakRssBytes)),
    maxStoreBytes: Math.max(...all.map((r) => r.storeBytes)),
    activeSeries: after.activeSeries,
  };
}

/** Longest wait for a report computed after the load, ms (a hang guard). */
const READBACK_TIMEOUT_MS = 60_000;

/**
 * Waits until `serve` reports on a slice that ends after `quietMs` (the last answer of the load), so
 * its evaluation ran on everything acknowledged, then compares it with the reference's.
 */
async function readBack(serve: SoakServe, load: PushLoad, config: ShiftguardConfig, upgrade: Upgrade, services: readonly string[], quietMs: number, progress: (message: string) => void): Promise<ReadbackResult | { error: string }> {
  const deadline = Date.now() + READBACK_TIMEOUT_MS;
  for (;;) {
    const response = await serve.call(`/api/v1/upgrades/${encodeURIComponent(UPGRADE_ID)}/report`, 'viewer');
    const text = await response.text();
    if (response.status !== 200) return { error: `GET report answered ${response.status}: ${text.slice(0, 300)}` };
    const report = JSON.parse(text) as ReportJson;
    const asOfMs = Date.parse(report.monitoring?.asOf ?? '');
    if (asOfMs > quietMs) {
      progress(`soak: reading back serve's report as of ${report.monitoring?.asOf} against the reference (${load.reference.accepted} samples of ${services.join(', ')})`);
      return compareWithReference(report, load.reference, config, upgrade, services);
    }
    if (Date.now() > deadline) return { error: `serve's report stayed as of ${report.monitoring?.asOf ?? '?'}, not after the load's end` };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** After the load: `/readyz`, and one fresh remote-write batch and OTLP export, each sent once, with the ingested counters around them. */
async function freshPushes(serve: SoakServe, load: PushLoad, pushers: Pushers): Promise<SoakFigures['after']> {
  const readyz = await serve.call('/readyz');
  const ingested = async (): Promise<{ rw: number; otlp: number }> => {
    const metrics = parseServeMetrics(await serve.metrics());
    return { rw: metrics.ingestedRemoteWrite, otlp: metrics.ingestedOtlp };
  };
  const members = load.soak.shards[0]?.length ?? 0;
  const batch = encodeBatch(load.soak, load.clock, 0, newestCompleteBatch(members, load.samplesPerRequest, lastScrapeAt(load.clock, Date.now())), load.samplesPerRequest);
  const before = await ingested();
  const rwAnswer = await pushers.postRemoteWrite(batch.body);
  const middle = await ingested();
  const otlpAnswer = await pushers.postOtlp(encodeExport(load.otlp, 0, newestExport(load.otlp, Date.now())));
  const end = await ingested();
  const remoteWrite: FreshPush = { status: rwAnswer.status, samples: batch.samples, ingestedSamples: middle.rw - before.rw };
  const otlp: FreshPush = { status: otlpAnswer.status, samples: OTLP_SAMPLES_PER_EXPORT, ingestedSamples: end.otlp - middle.otlp };
  return { readyzStatus: readyz.status, remoteWrite, otlp };
}
