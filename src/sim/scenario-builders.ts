/** Shared pieces of the built-in scenarios: clock constants, a gateway service, staggered rollouts. */
import { COARSE_BUCKETS_SECONDS, DEFAULT_BUCKETS_SECONDS, type EndpointSpec, type PeerSpec, type ServiceSpec } from './fleet-scenario.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** The upgrade start of every built-in scenario: 2026-04-10T12:00:00Z. */
export const UPGRADE_START_MS = Date.parse('2026-04-10T12:00:00Z');
/** Settle time the contract ignores after each rollout. */
export const SETTLE_MS = 5 * MINUTE_MS;

/** `prefix-1` … `prefix-n`. */
export function instanceNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}

/** Knobs shared by the calibration scenarios. */
export interface GatewayOptions {
  /** Instances `gw-1…`; default 4. */
  readonly instances?: number;
  /** Requests per second per instance on `/v1/route`; default 50. */
  readonly ratePerInstance?: number;
  /** Use the coarse buckets (0.05 … 2.5 s) instead of the Prometheus defaults; default false. */
  readonly coarseBuckets?: boolean;
  /** Coefficient of variation of the per-scrape traffic multiplier; default 0.25. */
  readonly burstCv?: number;
  /** Relative diurnal amplitude; default 0.2. */
  readonly diurnalAmplitude?: number;
  /** Stationary log-sigma of the per-instance latency drift; default 0.05. */
  readonly driftLogSigma?: number;
  /** Mean retry fraction towards peer `storage`; default 0.04. */
  readonly retryProbability?: number;
}

/** Latency log-sigma of `/v1/route` in the calibration scenarios. */
export const ROUTE_LOG_SIGMA = 0.5;
/** Median latency of `/v1/route` in the calibration scenarios, seconds. */
export const ROUTE_MEDIAN_SECONDS = 0.08;

/** The `/v1/route` endpoint of the calibration gateway. */
export function routeEndpoint(options: GatewayOptions): EndpointSpec {
  return {
    endpoint: '/v1/route',
    traffic: {
      ratePerSecond: options.ratePerInstance ?? 50,
      diurnal: { amplitude: options.diurnalAmplitude ?? 0.2, peakOffsetMs: 14 * HOUR_MS },
      burst: { cv: options.burstCv ?? 0.25, phiPerMinute: 0.7 },
    },
    latency: {
      medianSeconds: ROUTE_MEDIAN_SECONDS,
      logSigma: ROUTE_LOG_SIGMA,
      drift: { logSigma: options.driftLogSigma ?? 0.05, phiPerMinute: 0.9 },
      instanceSpreadLogSigma: 0.03,
      loadElasticity: 0.3,
      bucketsSeconds: options.coarseBuckets === true ? COARSE_BUCKETS_SECONDS : DEFAULT_BUCKETS_SECONDS,
    },
  };
}

/** Calls to peer `storage` with overdispersed, autocorrelated retries. */
export function storagePeer(options: GatewayOptions): PeerSpec {
  return {
    peer: 'storage',
    traffic: { ratePerSecond: 0.4 * (options.ratePerInstance ?? 50), burst: { cv: options.burstCv ?? 0.25, phiPerMinute: 0.7 } },
    retry: { probability: options.retryProbability ?? 0.04, dispersion: 0.002, phiPerMinute: 0.6 },
  };
}

/** The single-endpoint gateway service of the calibration scenarios. */
export function calibrationGateway(options: GatewayOptions): ServiceSpec {
  return {
    name: 'gateway',
    instances: instanceNames('gw', options.instances ?? 4),
    endpoints: [routeEndpoint(options)],
    peers: [storagePeer(options)],
  };
}

/**
 * Rollout times of `instances`: staggered from upgrade start + 5 min to + 28 min (evenly, rounded to
 * the minute), or all at + 5 min when `simultaneous`.
 */
export function staggeredRollout(instances: readonly string[], simultaneous = false, firstMs = UPGRADE_START_MS + 5 * MINUTE_MS): Record<string, number> {
  const spanMinutes = simultaneous || instances.length < 2 ? 0 : 23;
  const out: Record<string, number> = {};
  instances.forEach((instance, i) => {
    out[instance] = firstMs + Math.round((i * spanMinutes) / Math.max(1, instances.length - 1)) * MINUTE_MS;
  });
  return out;
}

/** Latest rollout time of a rollout map (or `fallbackMs` when empty). */
export function lastRolloutMs(rolloutMs: Readonly<Record<string, number>>, fallbackMs: number): number {
  return Math.max(fallbackMs, ...Object.values(rolloutMs));
}
