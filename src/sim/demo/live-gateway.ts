/**
 * The demo's dten-gateway instances, live: each serves `/v1/route` and `/v1/auth` at its own seeded
 * Poisson rate with log-normal latencies, and exports them over OTLP to shiftguard as its own process
 * would (a MeterProvider per instance, cumulative temporality, resource `service.name=dten-gateway`):
 * - `http.server.request.duration` (s, histogram) -> `http_server_request_duration_seconds{service, instance, endpoint}`
 * - `dten_build_info` = 1 -> `dten_build_info{service, instance, binary="dten-gateway", version}`
 * Version 4.3.0 shipped the "hybrid" routing path: while the flag gating it is on, a share of an
 * upgraded instance's `/v1/route` requests take a slow path (the tail regression of the dten story).
 * Turning the flag off removes it at once, which is what an approved decision does.
 */
import { createRng } from '../../detect/random.js';
import type { Rng } from '../../detect/random.js';
import { lognormal, poisson } from '../distributions.js';
import { DURATION_BUCKETS_SECONDS, otlpMeterProvider } from '../dten-sync/otlp-metrics.js';
import type { ExportTally } from '../dten-sync/otlp-metrics.js';

export const GATEWAY_SERVICE = 'dten-gateway';
export const GATEWAY_FROM = '4.2.1';
export const GATEWAY_TO = '4.3.0';

/** The endpoints, their share of requests and median latency (s). */
const ENDPOINTS = [
  { endpoint: '/v1/route', share: 0.75, medianSeconds: 0.045 },
  { endpoint: '/v1/auth', share: 0.25, medianSeconds: 0.012 },
] as const;
/** Spread of the log-normal latencies (log scale). */
const LOG_SD = 0.45;
/** The hybrid path: share of `/v1/route` requests it takes, and how much slower they are. */
const HYBRID = { share: 0.06, slowdown: 5 };
const TICK_MS = 250;

export interface LiveGatewayOptions {
  readonly shiftguardUrl: string;
  readonly ingestToken: string;
  readonly instances: number;
  /** Requests per second per instance. */
  readonly ratePerSecond: number;
  /** When instance i starts running 4.3.0, epoch ms. */
  readonly upgradeAtMs: (index: number) => number;
  /** Whether the hybrid path's flag is on now for the named instance. */
  readonly hybridOn: (instance: string) => boolean;
  readonly exportIntervalMs: number;
  readonly seed: number;
  readonly now?: () => number;
}

export interface LiveGateway {
  /** Final export of every instance, then stops. */
  stop(): Promise<void>;
}

/** Starts the gateway instances; they run until `stop`. */
export function startLiveGateway(options: LiveGatewayOptions): LiveGateway {
  const now = options.now ?? Date.now;
  const seeds = createRng(options.seed);
  const tally: ExportTally = { ok: 0, failed: 0, lastError: null };
  const instances = Array.from({ length: options.instances }, (_, i) => gatewayInstance(`${GATEWAY_SERVICE}-${i}`, i, options, createRng(seeds.int(2 ** 31)), now, tally));
  const timer = setInterval(() => {
    for (const instance of instances) instance.tick(TICK_MS / 1000);
  }, TICK_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled(instances.map((i) => i.provider.shutdown()));
    },
  };
}

function gatewayInstance(name: string, index: number, options: LiveGatewayOptions, rng: Rng, now: () => number, tally: ExportTally) {
  // Build info (a gauge) goes out as delta, so a version no longer running stops being reported.
  const provider = otlpMeterProvider(GATEWAY_SERVICE, name, options, tally);
  const meter = provider.getMeter('shiftguard.sim.dten-gateway', '1.0.0');
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Server-side duration of a request', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] } });
  const version = (): string => (now() >= options.upgradeAtMs(index) ? GATEWAY_TO : GATEWAY_FROM);
  meter.createObservableGauge('dten_build_info', { description: 'The binary version this instance runs (always 1)' }).addCallback((result) => result.observe(1, { binary: GATEWAY_SERVICE, version: version() }));
  return {
    name,
    provider,
    tick: (seconds: number): void => {
      const hybrid = version() === GATEWAY_TO && options.hybridOn(name);
      for (const e of ENDPOINTS) {
        const n = poisson(rng, options.ratePerSecond * e.share * seconds);
        for (let k = 0; k < n; k++) {
          let latency = lognormal(rng, Math.log(e.medianSeconds), LOG_SD);
          if (hybrid && e.endpoint === '/v1/route' && rng.next() < HYBRID.share) latency *= HYBRID.slowdown;
          duration.record(latency, { endpoint: e.endpoint });
        }
      }
    },
  };
}
