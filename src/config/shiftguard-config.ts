/**
 * The validated, frozen configuration of shiftguard (`config/shiftguard.yaml`, CONTRACT §3).
 * Durations are parsed into milliseconds and carry `Ms` in their names; the YAML keeps the contract's
 * names (`windows.baseline: 2h` becomes `windows.baselineMs: 7200000`).
 */
import type { AlertsConfig } from '../alerts/alerts-config.js';
import type { GrafanaConfig } from '../annotations/grafana-config.js';
import type { OutboundConfig } from '../net/outbound-policy.js';
import { deepFreeze } from './deep-freeze.js';
import { shiftguardConfigSchema } from './shiftguard-config-schema.js';

/** A bearer token read from the environment variable `env` (never from a file). */
export interface TokenRef {
  readonly env: string;
}

/** `server`: used by `serve`. */
export interface ServerConfig {
  /** `host:port` to listen on (`[::1]:8080` for IPv6); env `SHIFTGUARD_LISTEN` overrides. */
  readonly listen: string;
  readonly tokens: { readonly viewer: TokenRef; readonly operator: TokenRef; readonly ingest: TokenRef };
  /** Extension: the tokens file of named per-person tokens (digests only), or null; env `SHIFTGUARD_TOKENS_FILE` overrides. */
  readonly tokensFile: string | null;
}

/** `store`: where state lives. */
export interface StoreConfig {
  /** `sqlite:<path>` or `postgres://…` / `postgresql://…`; env `DATABASE_URL` overrides. */
  readonly url: string;
}

/** `prometheus`: optional pull source for `serve`. */
export interface PrometheusConfig {
  /** Base URL of a Prometheus-compatible API (http or https), or null for none. */
  readonly url: string | null;
  /** Extension: timeout of one HTTP request to that API, in ms (YAML `timeout`, default `30s`). */
  readonly timeoutMs: number;
}

/** `labels`: which labels name an instance and a service. */
export interface LabelsConfig {
  readonly instance: string;
  readonly service: string;
}

/** `buildInfo`: a gauge whose labels say which binary/version runs where; null in YAML disables it. */
export interface BuildInfoConfig {
  readonly metric: string;
  readonly binaryLabel: string;
  readonly versionLabel: string;
}

/** `windows`: the compared time windows, in ms. */
export interface WindowsConfig {
  /** Compared window before the upgrade started (YAML `baseline`). */
  readonly baselineMs: number;
  /** Window after the upgrade, after `settle` (YAML `after`). */
  readonly afterMs: number;
  /** Ignored right after each instance's rollout (YAML `settle`). */
  readonly settleMs: number;
  /**
   * Extension: width of the time slice that detection treats as its independent unit (YAML `slice`,
   * default `1m`). At least 1s and at most the shorter of `baseline` and `after`.
   */
  readonly sliceMs: number;
}

/** A histogram-of-durations signal. */
export interface LatencySignalConfig {
  readonly name: string;
  readonly type: 'latency';
  /** Histogram base name, without `_bucket`/`_count`/`_sum`. */
  readonly metric: string;
  /** Labels whose distinct value tuples form one group each. */
  readonly by: readonly string[];
  /** Quantiles to compare, each in (0, 1), distinct. */
  readonly quantiles: readonly number[];
  /** Relative shifts below this (≥ 0) are never a regression. */
  readonly minRelativeChange: number;
  /** Absolute shifts below this (≥ 0, in the metric's unit) are never a regression; default 0. */
  readonly minAbsoluteChange: number;
}

/** A numerator / denominator signal over two counters. */
export interface RatioSignalConfig {
  readonly name: string;
  readonly type: 'ratio';
  readonly numerator: string;
  readonly denominator: string;
  readonly by: readonly string[];
  readonly minRelativeChange: number;
  /** Absolute shifts of the ratio below this (≥ 0) are never a regression; default 0. */
  readonly minAbsoluteChange: number;
}

/** One analysed signal, discriminated by `type`. */
export type SignalConfig = LatencySignalConfig | RatioSignalConfig;

/** Extension `detection`: knobs of the detection engine. */
export interface DetectionConfig {
  /** Bootstrap resamples for confidence intervals (default 400). */
  readonly bootstrapResamples: number;
  /** Seed of every random process of one analysis (default 1), so reports are reproducible. */
  readonly seed: number;
  /** Fewer slices with data on either side make a group `inconclusive` (default 5, at least 2). */
  readonly minSlices: number;
  /** Fewer events beyond a compared quantile on either side make a latency group `inconclusive` (default 10). */
  readonly minTailEvents: number;
  /** Fewer numerator events on both sides together make a ratio group `inconclusive` (default 10). */
  readonly minRatioEvents: number;
}

/** The whole validated configuration, deeply readonly (and deeply frozen at run time). */
export interface ShiftguardConfig {
  readonly server: ServerConfig;
  readonly store: StoreConfig;
  readonly prometheus: PrometheusConfig;
  readonly labels: LabelsConfig;
  readonly buildInfo: BuildInfoConfig | null;
  readonly windows: WindowsConfig;
  /** False-discovery rate over all groups of one analysis, in (0, 0.5]. */
  readonly alpha: number;
  /** Analysed signals; at least one, names unique. */
  readonly signals: readonly SignalConfig[];
  readonly detection: DetectionConfig;
  readonly monitoring: MonitoringConfig;
  /** Extension `tuner`: flag changes through Unleash within the guardrails (off while `guardrails` is null). */
  readonly tuner: TunerConfig;
  /** Extension `alerts`: Alertmanager and webhook delivery of findings (all off by default). */
  readonly alerts: AlertsConfig;
  /** Extension `grafana`: push of upgrades and decisions to Grafana's annotation API (off while `url` is null). */
  readonly grafana: GrafanaConfig;
  /** Extension `outbound`: where requests may go (allow-list, loopback and private addresses); checked at start and at connect time. */
  readonly outbound: OutboundConfig;
}

/** Extension `tuner` of `serve`. */
export interface TunerConfig {
  /** Path of the guardrails file (CONTRACT §7), relative to the working directory; null: no tuner. */
  readonly guardrails: string | null;
  /** Time between two tuner rounds (one also runs right after each detection pass), ms. */
  readonly intervalMs: number;
  /** With several replicas on PostgreSQL: how long a silent leader keeps the lead, ms. */
  readonly leaseMs: number;
}

/** Extension `monitoring`: continuous detection of registered upgrades by `serve`. */
export interface MonitoringConfig {
  /**
   * How late pushed or scraped samples may arrive, ms (YAML `delay`, default 1m): a slice is
   * evaluated once this much time has passed after its end.
   */
  readonly delayMs: number;
}

/** The embedded defaults of CONTRACT §3 plus the extensions, deeply frozen. */
export function defaultConfig(): ShiftguardConfig {
  const config: ShiftguardConfig = shiftguardConfigSchema.parse({});
  return deepFreeze(config);
}
