/**
 * The input of {@link simulateFleet}: a declarative description of a fleet, its traffic, latency and
 * retry models, a shared load ramp and an upgrade with per-instance rollouts and effects.
 * All times are Unix epoch milliseconds, all durations milliseconds, all latencies seconds.
 */

/** Daily (or any period) traffic modulation: rate × (1 + amplitude·cos(2π(t − peakOffsetMs)/periodMs)). */
export interface DiurnalSpec {
  /** Relative amplitude in [0, 1). */
  readonly amplitude: number;
  /** Period; default 24 h. */
  readonly periodMs?: number;
  /** Time within the period (counted from the Unix epoch) at which traffic peaks, e.g. 14 h = 14:00 UTC. */
  readonly peakOffsetMs: number;
}

/** Per-scrape-interval gamma rate multiplier (mean 1), AR(1)-correlated in time. */
export interface BurstSpec {
  /** Coefficient of variation of the multiplier (shape = 1/cv²). */
  readonly cv: number;
  /** Lag-one autocorrelation per minute (converted to the scrape interval as phi^(Δ/60 s)); default 0. */
  readonly phiPerMinute?: number;
}

/** Request traffic of one stream (one instance × endpoint, or one instance × peer). */
export interface TrafficSpec {
  /** Mean rate in requests per second before modulation. */
  readonly ratePerSecond: number;
  readonly diurnal?: DiurnalSpec;
  readonly burst?: BurstSpec;
}

/** Time-correlated drift of the log-median latency of each instance: Gaussian AR(1). */
export interface LatencyDriftSpec {
  /** Stationary standard deviation of the drift, on the natural-log scale. */
  readonly logSigma: number;
  /** Lag-one autocorrelation per minute. */
  readonly phiPerMinute: number;
}

/** Lognormal latency model of one endpoint. */
export interface LatencySpec {
  readonly medianSeconds: number;
  /** Standard deviation of ln(latency) within one slice. */
  readonly logSigma: number;
  readonly drift?: LatencyDriftSpec;
  /** Fixed per-instance offset of the log-median, drawn once per instance with this standard deviation. */
  readonly instanceSpreadLogSigma?: number;
  /** d ln(median) / d ln(load multiplier of the load ramps); 0 (default) means load does not affect latency. */
  readonly loadElasticity?: number;
  /** Finite bucket upper bounds in seconds, increasing; `+Inf` is added. Default {@link DEFAULT_BUCKETS_SECONDS}. */
  readonly bucketsSeconds?: readonly number[];
}

/** One server endpoint: traffic plus latency histogram. */
export interface EndpointSpec {
  readonly endpoint: string;
  readonly traffic: TrafficSpec;
  readonly latency: LatencySpec;
}

/** Retry model of calls to one peer: per-slice probability ~ Beta(mean probability, dispersion), AR(1). */
export interface RetrySpec {
  /** Mean fraction of requests that are retries. */
  readonly probability: number;
  /** Overdispersion ρ = 1/(a + b + 1) of the per-slice Beta(a, b) probability; 0 (default) = constant. */
  readonly dispersion?: number;
  /** Lag-one autocorrelation per minute of the per-slice probability; default 0. */
  readonly phiPerMinute?: number;
}

/** Outgoing calls of one service to one peer: `…requests_total{peer}` and `…retries_total{peer}`. */
export interface PeerSpec {
  readonly peer: string;
  readonly traffic: TrafficSpec;
  readonly retry: RetrySpec;
}

export interface ServiceSpec {
  readonly name: string;
  /** Instance names, unique across the whole fleet (e.g. `gw-1`). */
  readonly instances: readonly string[];
  readonly endpoints: readonly EndpointSpec[];
  readonly peers?: readonly PeerSpec[];
  /** Constant labels added to every series of the service (e.g. `cluster`, `namespace`). */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/**
 * A shared load multiplier: 1 before `startMs`, rising linearly to `factor` over `rampMs`, holding,
 * and falling back to 1 over `rampMs` before `endMs` (omit `endMs` to hold until the end).
 */
export interface LoadRamp {
  readonly startMs: number;
  readonly endMs?: number;
  readonly rampMs: number;
  readonly factor: number;
  /** Services it applies to; default all. */
  readonly services?: readonly string[];
}

/** A mixture: a fraction of requests gets its latency multiplied by `factor` (moves the tail, barely the median). */
export interface TailMixture {
  readonly fraction: number;
  readonly factor: number;
}

/** Latency effect on one endpoint: a whole-distribution scale and/or a tail mixture. */
export interface LatencyEffect {
  readonly kind: 'latency';
  readonly service: string;
  readonly endpoint: string;
  /** Multiplies every latency (every quantile moves by exactly this factor); default 1. */
  readonly scale?: number;
  readonly tail?: TailMixture;
}

/** Retry effect on calls to one peer: multiplies the retry probability (capped at 1). */
export interface RetryEffect {
  readonly kind: 'retries';
  readonly service: string;
  readonly peer: string;
  readonly probabilityFactor: number;
}

export type SimEffect = LatencyEffect | RetryEffect;

/** One binary of the upgrade. */
export interface SimBinary {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Instances this binary runs on (its build-info series exist there). */
  readonly instances: readonly string[];
  /** Rollout time per instance; instances absent here are never upgraded. Must be empty when from == to. */
  readonly rolloutMs: Readonly<Record<string, number>>;
  /** Whether its rollout restarts the process that exposes the instance's series; default `restartAtRollout`. */
  readonly resetsCounters?: boolean;
  /** Effects that start on each instance at its rollout (on the instances of the effect's service). */
  readonly effects?: readonly SimEffect[];
  readonly sha256?: string;
}

export interface SimUpgrade {
  readonly startedAtMs: number;
  readonly finishedAtMs?: number;
  readonly binaries: readonly SimBinary[];
}

/** An effect starting at an arbitrary time, unrelated to any rollout. */
export interface TimedEffect {
  readonly startMs: number;
  /** Instances it applies to; default every instance of the effect's service. */
  readonly instances?: readonly string[];
  readonly effect: SimEffect;
}

export interface LabelNames {
  readonly service: string;
  readonly instance: string;
  readonly endpoint: string;
  readonly peer: string;
  readonly binary: string;
  readonly version: string;
}

export interface MetricNames {
  /** Histogram base name; series are `<latency>_bucket`, `_count`, `_sum`. */
  readonly latency: string;
  readonly clientRequests: string;
  readonly clientRetries: string;
  readonly buildInfo: string;
}

export interface FleetScenario {
  /** Time of the first scrape. */
  readonly startMs: number;
  /** Time of the last scrape (inclusive when on the grid). */
  readonly endMs: number;
  readonly scrapeIntervalMs: number;
  readonly seed: number;
  readonly services: readonly ServiceSpec[];
  readonly loadRamps?: readonly LoadRamp[];
  readonly upgrade?: SimUpgrade;
  readonly timedEffects?: readonly TimedEffect[];
  /** Counters of an instance reset to 0 at the rollout of a binary that restarts it; default true. */
  readonly restartAtRollout?: boolean;
  readonly labelNames?: Partial<LabelNames>;
  readonly metricNames?: Partial<MetricNames>;
}

/** Prometheus client libraries' default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Coarse buckets, as many services configure them, in seconds. */
export const COARSE_BUCKETS_SECONDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const DEFAULT_LABEL_NAMES: LabelNames = {
  service: 'service',
  instance: 'instance',
  endpoint: 'endpoint',
  peer: 'peer',
  binary: 'binary',
  version: 'version',
};

/** The metric names of the contract's default configuration. */
export const DEFAULT_METRIC_NAMES: MetricNames = {
  latency: 'http_server_request_duration_seconds',
  clientRequests: 'http_client_requests_total',
  clientRetries: 'http_client_retries_total',
  buildInfo: 'dten_build_info',
};
