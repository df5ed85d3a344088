/**
 * A parameterised large fleet for benchmarks: sized so that its OpenMetrics text is about
 * `targetBytes` (default 40 MB ≈ 300k samples), with long-ish label sets and a real upgrade.
 */
import type { RawSeries } from '../series/model.js';
import type { EndpointSpec, FleetScenario, PeerSpec, ServiceSpec, SimBinary } from './fleet-scenario.js';
import { simulateFleet } from './fleet-simulator.js';
import { tailShiftForQuantile } from './latency-mixture.js';
import { formatSeriesPrefix, formatTimestampSeconds, formatValue } from './openmetrics-format.js';
import { HOUR_MS, instanceNames, MINUTE_MS, staggeredRollout, UPGRADE_START_MS } from './scenario-builders.js';
import { describeUpgrade, type ScenarioBundle } from './upgrade-description.js';

export interface BigScenarioOptions {
  /** Approximate size of the written OpenMetrics text, bytes; default 40e6. */
  readonly targetBytes?: number;
  readonly seed?: number;
  /** Number of services; default 6. */
  readonly services?: number;
  /** Hours of data (the upgrade starts at 2/3 of it); default 4. */
  readonly hours?: number;
  /** Default 60 s. */
  readonly scrapeIntervalMs?: number;
  /** Constant labels on every series (longer label sets, fewer samples for the same bytes); default none. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

const PATHS = ['/api/v2/items', '/api/v2/search', '/internal/health'];

function endpointSpec(path: string, index: number): EndpointSpec {
  return {
    endpoint: path,
    traffic: { ratePerSecond: 20 + 15 * index, burst: { cv: 0.2, phiPerMinute: 0.7 } },
    latency: { medianSeconds: 0.04 * (index + 1), logSigma: 0.5, drift: { logSigma: 0.05, phiPerMinute: 0.9 } },
  };
}

function peerSpec(name: string): PeerSpec {
  return { peer: name, traffic: { ratePerSecond: 25 }, retry: { probability: 0.03, dispersion: 0.002, phiPerMinute: 0.6 } };
}

/** `totalInstances` spread over `serviceCount` services (at least one each). */
function bigServices(serviceCount: number, totalInstances: number, extraLabels: Readonly<Record<string, string>>): ServiceSpec[] {
  return Array.from({ length: serviceCount }, (_, s) => {
    const name = `svc-${s + 1}`;
    const instances = Math.max(1, Math.floor(totalInstances / serviceCount) + (s < totalInstances % serviceCount ? 1 : 0));
    return {
      name,
      instances: instanceNames(name, instances),
      endpoints: PATHS.slice(0, 2 + (s % 2)).map(endpointSpec),
      peers: [peerSpec('storage'), peerSpec('partner-api')],
      extraLabels,
    };
  });
}

function bigBinaries(services: readonly ServiceSpec[], upgradeMs: number): SimBinary[] {
  return services.map((service, s) => ({
    name: `dten-${service.name}`,
    from: '1.0.0',
    to: '1.1.0',
    instances: service.instances,
    rolloutMs: staggeredRollout(service.instances, false, upgradeMs + 5 * MINUTE_MS),
    effects:
      s === 0
        ? [{ kind: 'latency', service: service.name, endpoint: PATHS[0] ?? '', tail: tailShiftForQuantile(0.99, 1.3, Math.hypot(0.5, 0.05)) }]
        : [],
  }));
}

function buildScenario(options: BigScenarioOptions, totalInstances: number): FleetScenario {
  const hours = options.hours ?? 4;
  const upgradeMs = UPGRADE_START_MS;
  const startMs = upgradeMs - Math.round((2 / 3) * hours * HOUR_MS);
  const services = bigServices(options.services ?? 6, totalInstances, options.extraLabels ?? {});
  return {
    startMs,
    endMs: startMs + hours * HOUR_MS,
    scrapeIntervalMs: options.scrapeIntervalMs ?? MINUTE_MS,
    seed: options.seed ?? 1,
    services,
    upgrade: { startedAtMs: upgradeMs, binaries: bigBinaries(services, upgradeMs) },
  };
}

/** Bytes of the sample lines `writeOpenMetrics` would write for `series` (TYPE/HELP lines excluded). */
export function estimateSampleBytes(series: readonly RawSeries[]): number {
  let bytes = 0;
  for (const s of series) {
    const prefixBytes = Buffer.byteLength(formatSeriesPrefix(s));
    for (let i = 0; i < s.values.length; i++) {
      bytes += prefixBytes + formatValue(s.values[i] ?? 0).length + formatTimestampSeconds(s.timestampsMs[i] ?? 0).length + 2;
    }
  }
  return bytes;
}

/**
 * A benchmark fleet whose OpenMetrics text is about `targetBytes` (never less than one instance per
 * service): the size of a one-instance-per-service fleet is measured, then the number of instances
 * scaled to reach the target. Default: 6 services, 4 h at 60 s, ≈ 40 MB and ≈ 330k samples.
 */
export function bigScenario(options: BigScenarioOptions = {}): ScenarioBundle {
  const targetBytes = options.targetBytes ?? 40e6;
  if (!(targetBytes > 0)) throw new RangeError(`bigScenario: targetBytes must be > 0, got ${targetBytes}`);
  const serviceCount = options.services ?? 6;
  const probe = buildScenario(options, serviceCount);
  const perInstance = estimateSampleBytes(simulateFleet(probe).series) / serviceCount;
  const scenario = buildScenario(options, Math.max(serviceCount, Math.round(targetBytes / perInstance)));
  return { scenario, upgrade: describeUpgrade(scenario, { id: 'bench-upgrade', package: 'bench-upgrade.zip' }) };
}
