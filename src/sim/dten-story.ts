/**
 * The demo story: upgrade `dten-2026.04` of `Full-upgrade-package-dten.zip` on 2026-04-10. The new
 * dten-gateway brings a tail regression on `/v1/route` (p99 ≈ +40 %, median nearly unchanged); the
 * new dten-sync backoff (flag `dten.sync.backoff-v2`) raises retries to `partner-api` from ~4 % to
 * ~9 %; dten-agent changes without effect at other times; dten-auth does not change.
 */
import type { EndpointSpec, FleetScenario, PeerSpec, ServiceSpec, SimBinary, TrafficSpec } from './fleet-scenario.js';
import { tailShiftForQuantile } from './latency-mixture.js';
import { HOUR_MS, instanceNames } from './scenario-builders.js';
import { describeUpgrade, type ScenarioBundle } from './upgrade-description.js';

const DAY = '2026-04-10T';
const at = (hhmm: string): number => Date.parse(`${DAY}${hhmm}:00Z`);

/** Finer-than-default buckets of the gateway, in seconds. */
const GATEWAY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10];
const ROUTE_LOG_SIGMA = 0.45;
const ROUTE_DRIFT_LOG_SIGMA = 0.04;

function traffic(ratePerSecond: number): TrafficSpec {
  return {
    ratePerSecond,
    diurnal: { amplitude: 0.15, peakOffsetMs: 14 * HOUR_MS },
    burst: { cv: 0.15, phiPerMinute: 0.7 },
  };
}

function endpoint(path: string, ratePerSecond: number, medianSeconds: number, logSigma: number, buckets?: readonly number[]): EndpointSpec {
  return {
    endpoint: path,
    traffic: traffic(ratePerSecond),
    latency: {
      medianSeconds,
      logSigma,
      drift: { logSigma: ROUTE_DRIFT_LOG_SIGMA, phiPerMinute: 0.9 },
      instanceSpreadLogSigma: 0.03,
      loadElasticity: 0.3,
      ...(buckets === undefined ? {} : { bucketsSeconds: buckets }),
    },
  };
}

function peer(name: string, ratePerSecond: number, probability: number): PeerSpec {
  return { peer: name, traffic: traffic(ratePerSecond), retry: { probability, dispersion: 0.002, phiPerMinute: 0.6 } };
}

function services(): ServiceSpec[] {
  const gateway: ServiceSpec = {
    name: 'gateway',
    instances: instanceNames('gw', 4),
    endpoints: [
      endpoint('/v1/route', 50, 0.085, ROUTE_LOG_SIGMA, GATEWAY_BUCKETS_SECONDS),
      endpoint('/v1/sync-status', 12, 0.02, 0.35, GATEWAY_BUCKETS_SECONDS),
      endpoint('/v1/auth', 20, 0.035, 0.4, GATEWAY_BUCKETS_SECONDS),
    ],
    peers: [peer('sync', 8, 0.015)],
  };
  const sync: ServiceSpec = {
    name: 'sync',
    instances: instanceNames('sync', 3),
    endpoints: [endpoint('/v1/sync/push', 15, 0.12, 0.5)],
    peers: [peer('partner-api', 20, 0.04), peer('storage', 30, 0.01)],
  };
  return [gateway, sync];
}

function binaries(): SimBinary[] {
  const gw = instanceNames('gw', 4);
  const sync = instanceNames('sync', 3);
  const routeTail = tailShiftForQuantile(0.99, 1.4, Math.hypot(ROUTE_LOG_SIGMA, ROUTE_DRIFT_LOG_SIGMA));
  return [
    {
      name: 'dten-gateway',
      from: '4.2.1',
      to: '4.3.0',
      instances: gw,
      rolloutMs: { 'gw-1': at('12:05'), 'gw-2': at('12:12'), 'gw-3': at('12:20'), 'gw-4': at('12:28') },
      effects: [{ kind: 'latency', service: 'gateway', endpoint: '/v1/route', tail: routeTail }],
    },
    {
      name: 'dten-sync',
      from: '2.7.0',
      to: '2.8.0',
      instances: sync,
      rolloutMs: { 'sync-1': at('12:08'), 'sync-2': at('12:18'), 'sync-3': at('12:33') },
      effects: [{ kind: 'retries', service: 'sync', peer: 'partner-api', probabilityFactor: 0.09 / 0.04 }],
    },
    {
      name: 'dten-agent',
      from: '1.9.0',
      to: '1.9.1',
      instances: [...gw, ...sync],
      resetsCounters: false,
      rolloutMs: {
        'gw-1': at('12:02'),
        'sync-1': at('12:03'),
        'gw-2': at('12:15'),
        'sync-2': at('12:23'),
        'gw-3': at('12:25'),
        'sync-3': at('12:30'),
        'gw-4': at('12:36'),
      },
    },
    { name: 'dten-auth', from: '3.1.0', to: '3.1.0', instances: gw, rolloutMs: {} },
  ];
}

/**
 * The demo story: gateway (gw-1..gw-4) and sync (sync-1..sync-3), data 09:30–13:45 UTC scraped every
 * 15 s, and the matching upgrade.json (contract §4) with its config change and flag.
 */
export function dtenStory(seed = 1): ScenarioBundle {
  const scenario: FleetScenario = {
    startMs: at('09:30'),
    endMs: at('13:45'),
    scrapeIntervalMs: 15_000,
    seed,
    services: services(),
    restartAtRollout: true,
    upgrade: { startedAtMs: at('12:00'), finishedAtMs: at('12:40'), binaries: binaries() },
  };
  const upgrade = describeUpgrade(scenario, {
    id: 'dten-2026.04',
    package: 'Full-upgrade-package-dten.zip',
    configChanges: [{ key: 'dten.hybrid.enable', from: null, to: 'true' }],
    flags: [{ name: 'dten.sync.backoff-v2', binary: 'dten-sync' }],
  });
  return { scenario, upgrade };
}
