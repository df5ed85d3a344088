/**
 * The scenario of the push end-to-end tests (remote-write from a real Prometheus, OTLP from the real
 * OpenTelemetry SDK): a small fleet whose whole simulated timeline lies in the recent past, sized
 * for short analysis windows of 30 + 2 + 15 time units (baseline, settle, after) and 1-unit slices.
 *
 * The time unit is a minute for a replay of recorded history (OTLP: 56 minutes of data, ending a
 * minute ago) or a second for a live stream (Prometheus' remote-write only forwards samples newer
 * than its own start, so its data must be made while the test runs: 56 seconds). Every rate, interval
 * and autocorrelation is expressed per unit, so both scales yield exactly the same simulated counts
 * and so the same verdicts; only the timestamps differ.
 *
 * gateway (gw-1…gw-4) gets dten-gateway 4.3.0, whose new code moves p99 of `/v1/route` by +60 % (a
 * tail mixture, median nearly unchanged), rolled out one instance every 2 units; dten-agent 1.9.1
 * restarts all four at once before that, without effect; sync (sync-1, sync-2) gets dten-sync 2.8.0
 * without effect. Rollouts fall between scrapes, so the first scrape after each restart already
 * counts requests. No diurnal cycle and no load ramp: shifting the timeline by whole units leaves
 * every simulated value unchanged, so the data is the same on every run whatever the wall clock says.
 */
import type { EndpointSpec, FleetScenario, PeerSpec, ServiceSpec, SimBinary, TrafficSpec } from '../../src/sim/fleet-scenario.js';
import { tailShiftForQuantile } from '../../src/sim/latency-mixture.js';
import { instanceNames, MINUTE_MS } from '../../src/sim/scenario-builders.js';
import { describeUpgrade, type ScenarioBundle } from '../../src/sim/upgrade-description.js';

/** The seed every push test uses. */
export const PUSH_SEED = 7;

/** Length of the simulated timeline, in time units (first to last scrape). */
export const PUSH_SPAN_UNITS = 56;

/** Scrapes per time unit (every 15 s at the minute scale, every 250 ms at the second scale). */
const SCRAPES_PER_UNIT = 4;
/**
 * Upgrade start, in units after the first scrape: one unit of data before the 30-unit baseline, so a
 * Prometheus scrape-interval probe of the analysed range (one point a minute) finds a run of samples.
 */
const UPGRADE_AFTER_START_UNITS = 31;

const ROUTE_LOG_SIGMA = 0.45;
const DRIFT_LOG_SIGMA = 0.02;
const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5];

/** A duration of `units` time units in the configuration's syntax (`30m`, `30s`, `500ms`). */
function duration(units: number, unitMs: number): string {
  const ms = units * unitMs;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * The push tests' configuration (YAML over the embedded defaults): windows of 30/2/15 units, 1-unit
 * slices, and serve's continuous monitoring waiting 1 unit after a slice ends for its data (the
 * default 1m at the minute scale).
 */
export function pushWindowsYaml(unitMs: number): string {
  return [
    'windows:',
    `  baseline: ${duration(30, unitMs)}`,
    `  after: ${duration(15, unitMs)}`,
    `  settle: ${duration(2, unitMs)}`,
    `  slice: ${duration(1, unitMs)}`,
    'monitoring:',
    `  delay: ${duration(1, unitMs)}`,
    '',
  ].join('\n');
}

/** The simulated scrape interval at time unit `unitMs`. */
export function pushScrapeIntervalMs(unitMs: number): number {
  return unitMs / SCRAPES_PER_UNIT;
}

/** A per-minute autocorrelation for a process whose clock runs MINUTE_MS / unitMs times faster. */
function phi(perUnit: number, unitMs: number): number {
  return perUnit ** (MINUTE_MS / unitMs);
}

function traffic(perUnitRate: number, unitMs: number): TrafficSpec {
  return { ratePerSecond: (perUnitRate * 1000) / unitMs, burst: { cv: 0.15, phiPerMinute: phi(0.7, unitMs) } };
}

function endpoint(path: string, perUnitRate: number, medianSeconds: number, logSigma: number, unitMs: number): EndpointSpec {
  return {
    endpoint: path,
    traffic: traffic(perUnitRate, unitMs),
    latency: {
      medianSeconds,
      logSigma,
      drift: { logSigma: DRIFT_LOG_SIGMA, phiPerMinute: phi(0.9, unitMs) },
      instanceSpreadLogSigma: 0.03,
      bucketsSeconds: BUCKETS_SECONDS,
    },
  };
}

function peer(name: string, perUnitRate: number, probability: number, unitMs: number): PeerSpec {
  return { peer: name, traffic: traffic(perUnitRate, unitMs), retry: { probability, dispersion: 0.002, phiPerMinute: phi(0.6, unitMs) } };
}

/** Requests per time unit: 100/s, 20/s, 15/s at the minute scale. */
function services(unitMs: number): ServiceSpec[] {
  return [
    {
      name: 'gateway',
      instances: instanceNames('gw', 4),
      endpoints: [endpoint('/v1/route', 6000, 0.085, ROUTE_LOG_SIGMA, unitMs), endpoint('/v1/auth', 1200, 0.035, 0.4, unitMs)],
      peers: [peer('storage', 1200, 0.04, unitMs)],
    },
    {
      name: 'sync',
      instances: instanceNames('sync', 2),
      endpoints: [endpoint('/v1/sync/push', 900, 0.12, 0.5, unitMs)],
      peers: [peer('partner-api', 1200, 0.04, unitMs)],
    },
  ];
}

/** Rollout times: `units` after the upgrade start per instance (eighths of a unit fall between scrapes). */
function rollout(upgradeMs: number, unitMs: number, offsets: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(offsets).map(([instance, units]) => [instance, upgradeMs + units * unitMs]));
}

function binaries(upgradeMs: number, unitMs: number): SimBinary[] {
  const gw = instanceNames('gw', 4);
  const routeTail = tailShiftForQuantile(0.99, 1.6, Math.hypot(ROUTE_LOG_SIGMA, DRIFT_LOG_SIGMA));
  return [
    {
      name: 'dten-gateway',
      from: '4.2.1',
      to: '4.3.0',
      instances: gw,
      rolloutMs: rollout(upgradeMs, unitMs, { 'gw-1': 1.375, 'gw-2': 3.375, 'gw-3': 5.375, 'gw-4': 7.375 }),
      effects: [{ kind: 'latency', service: 'gateway', endpoint: '/v1/route', tail: routeTail }],
    },
    {
      name: 'dten-agent',
      from: '1.9.0',
      to: '1.9.1',
      instances: gw,
      rolloutMs: rollout(upgradeMs, unitMs, { 'gw-1': 0.875, 'gw-2': 0.875, 'gw-3': 0.875, 'gw-4': 0.875 }),
    },
    {
      name: 'dten-sync',
      from: '2.7.0',
      to: '2.8.0',
      instances: instanceNames('sync', 2),
      rolloutMs: rollout(upgradeMs, unitMs, { 'sync-1': 1.875, 'sync-2': 3.375 }),
    },
  ];
}

/**
 * The push scenario with time unit `unitMs` (60 000 or 1 000) whose first scrape is at `startMs` (a
 * whole unit): {@link PUSH_SPAN_UNITS} units of data, 4 scrapes per unit, the upgrade 31 units in,
 * and its upgrade.json (id `push-<seed>`, explicit rollouts and services).
 */
export function pushScenario(seed: number, startMs: number, unitMs: number): ScenarioBundle {
  if (startMs % unitMs !== 0) throw new RangeError(`pushScenario: startMs must be a whole unit of ${unitMs} ms, got ${new Date(startMs).toISOString()}`);
  const upgradeMs = startMs + UPGRADE_AFTER_START_UNITS * unitMs;
  const scenario: FleetScenario = {
    startMs,
    endMs: startMs + PUSH_SPAN_UNITS * unitMs,
    scrapeIntervalMs: pushScrapeIntervalMs(unitMs),
    seed,
    services: services(unitMs),
    restartAtRollout: true,
    upgrade: { startedAtMs: upgradeMs, finishedAtMs: upgradeMs + 7.375 * unitMs, binaries: binaries(upgradeMs, unitMs) },
  };
  return { scenario, upgrade: describeUpgrade(scenario, { id: `push-${seed}`, package: 'push-upgrade.zip' }) };
}

/**
 * The first scrape of a minute-scale replay of history made at `nowMs`: the timeline then ends at
 * the whole minute at least one minute before `nowMs`, and starts 56 minutes before that.
 */
export function pushHistoryStartMs(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - (PUSH_SPAN_UNITS + 1) * MINUTE_MS;
}
