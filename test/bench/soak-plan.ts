/**
 * The soak's plan, from its options and the benchmark's sustained rate: the offered rate, the number
 * of remote-write shards, the fleet size, the detection windows that keep `serve` evaluating every
 * slice through the whole load, the configuration `serve` gets and the upgrade it monitors.
 *
 * Timeline (t0 = the load's start): the baseline window is the load's first `baselineMs` (plus a
 * slice, so its first slice has a sample to difference against); the upgrade starts then, on every
 * instance; after `settle` the after window runs until a minute past the load's end, so the upgrade
 * is still monitored (one evaluation per slice) during the whole load and the read-back after it.
 */

/** What the plan is made from. */
export interface SoakPlanOptions {
  /** Length of the load, ms. */
  readonly durationMs: number;
  /** Offered rate as a multiple of the benchmark's sustained rate. */
  readonly multiplier: number;
  /** The benchmark's sustained rate: samples/s `serve` took in the remote-write section's rounds. */
  readonly baseSamplesPerSecond: number;
  /** Active series wanted (the remote-write fleet, whole instances of `seriesPerInstance`). */
  readonly series: number;
  readonly seriesPerInstance: number;
  /** Concurrent senders of the benchmark at its sustained rate. */
  readonly benchSenders: number;
  readonly samplesPerRequest: number;
}

/** Detection windows and cadence of the soak's `serve`, ms. */
export interface SoakWindows {
  readonly sliceMs: number;
  readonly delayMs: number;
  readonly baselineMs: number;
  readonly settleMs: number;
  readonly afterMs: number;
}

/** The soak's plan. */
export interface SoakPlan {
  readonly durationMs: number;
  readonly multiplier: number;
  readonly baseSamplesPerSecond: number;
  /** Remote-write samples/s offered: multiplier × the sustained rate. */
  readonly offeredSamplesPerSecond: number;
  /**
   * Remote-write shards, as Prometheus' resharding would run them: while a sender falls behind it
   * adds shards up to `max_shards` (200 by default), so above the sustained rate (multiplier > 1)
   * 200; at or below it, the benchmark's senders scaled by the multiplier.
   */
  readonly shards: number;
  /** Series of the remote-write fleet: as asked, or more when the rate needs them (at most one sample per series and ms). */
  readonly series: number;
  readonly windows: SoakWindows;
  /** Upgrade start after the load's start, ms. */
  readonly upgradeOffsetMs: number;
}

/** Prometheus' default `queue_config.max_shards`. */
export const PROMETHEUS_MAX_SHARDS = 200;
/** How long the after window outlasts the load, ms: the upgrade stays monitored while the soak reads back. */
const AFTER_TAIL_MS = 60_000;
/** Largest share of the per-series sample rate's limit (1 per ms) the plan uses. */
const MAX_SAMPLES_PER_SERIES_MS = 0.8;

/**
 * Plans a soak. Slices are 1 s for loads up to 2 minutes (enough slices on both sides for the tests'
 * minimum of 5) and 2 s beyond; `monitoring.delay` is 1 s; the baseline is a fifth of the load, at
 * least 6 slices. @throws RangeError on a non-positive duration, multiplier, rate or series count.
 */
export function planSoak(options: SoakPlanOptions): SoakPlan {
  for (const [name, value] of Object.entries({ durationMs: options.durationMs, multiplier: options.multiplier, baseSamplesPerSecond: options.baseSamplesPerSecond, series: options.series })) {
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`planSoak: ${name} must be a positive number, got ${value}`);
  }
  const offered = options.multiplier * options.baseSamplesPerSecond;
  const neededSeries = Math.max(options.series, offered / 1000 / MAX_SAMPLES_PER_SERIES_MS);
  const series = Math.ceil(neededSeries / options.seriesPerInstance) * options.seriesPerInstance;
  const shards = options.multiplier > 1 ? PROMETHEUS_MAX_SHARDS : Math.max(1, Math.ceil(options.benchSenders * options.multiplier));
  const windows = soakWindows(options.durationMs);
  return {
    durationMs: options.durationMs,
    multiplier: options.multiplier,
    baseSamplesPerSecond: options.baseSamplesPerSecond,
    offeredSamplesPerSecond: offered,
    shards,
    series,
    windows,
    upgradeOffsetMs: windows.baselineMs + windows.sliceMs,
  };
}

function soakWindows(durationMs: number): SoakWindows {
  const sliceMs = durationMs <= 120_000 ? 1000 : 2000;
  const baselineMs = Math.max(6 * sliceMs, roundTo(durationMs / 5, sliceMs));
  const settleMs = sliceMs;
  const afterStartMs = baselineMs + sliceMs + settleMs;
  const afterMs = Math.max(sliceMs, roundTo(durationMs - afterStartMs, sliceMs)) + AFTER_TAIL_MS;
  return { sliceMs, delayMs: 1000, baselineMs, settleMs, afterMs };
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

/**
 * How long `serve` keeps pushed data, ms: the baseline and after windows, the settle time and an
 * hour of margin (`retentionMs` in `src/main.ts`); the read-back's reference store uses the same.
 */
export function serveRetentionMs(windows: SoakWindows): number {
  return windows.baselineMs + windows.settleMs + windows.afterMs + 3_600_000;
}

/** `serve`'s configuration (YAML over the embedded defaults): the SQLite state store at `dbPath` and the soak's windows. */
export function soakConfigYaml(windows: SoakWindows, dbPath: string): string {
  return [
    'store:',
    `  url: sqlite:${dbPath}`,
    'windows:',
    `  baseline: ${seconds(windows.baselineMs)}`,
    `  after: ${seconds(windows.afterMs)}`,
    `  settle: ${seconds(windows.settleMs)}`,
    `  slice: ${seconds(windows.sliceMs)}`,
    'monitoring:',
    `  delay: ${seconds(windows.delayMs)}`,
    '',
  ].join('\n');
}

function seconds(ms: number): string {
  if (ms % 1000 !== 0) throw new RangeError(`soak windows are whole seconds, got ${ms} ms`);
  return `${ms / 1000}s`;
}

/**
 * The upgrade `serve` monitors during the soak (upgrade.json): one binary serving every service of
 * the load, so every instance counts as upgraded at `startedAtMs` and every group is analysed.
 */
export function soakUpgrade(id: string, startedAtMs: number, services: readonly string[]): Record<string, unknown> {
  return {
    id,
    package: 'shiftguard-soak',
    startedAt: new Date(startedAtMs).toISOString(),
    binaries: [{ name: 'soak-app', from: '1.0.0', to: '1.1.0', services: [...services] }],
  };
}
