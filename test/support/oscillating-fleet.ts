/**
 * A simulated dten-sync fleet whose retries oscillate, for the anti-flapping loop
 * (test/integration/anti-flapping.test.ts). Each instance calls its peers; per step it sends
 * Poisson(rate × step) requests to each peer and makes Poisson(requests × r) retries, where r, the
 * retries per request, is what the fleet's {@link RetryWorld} says for that moment, instance and
 * peer, given the flags as they are now. The counts go to the real series store as OTLP delta
 * counters at the step's end, so detection and verification read them as they read pushed data.
 *
 * Two worlds:
 * - {@link independentWorld}: the metric ignores the flags; upgraded instances alternate between a
 *   bad and a good ratio every half period (the flags can neither help nor hurt);
 * - {@link dtenSyncWorld}: the flags feed back as they do in dten-sync: upgraded instances run the
 *   v2 backoff (constants from the tuning flag's payload) while the gate is on, else the legacy v1;
 *   the partner's first-attempt failure rate alternates every half period, and r is what the retry
 *   loop does under that fault (`predictRetries`, the function the client's own sleeps come from).
 */
import { createRng } from '../../src/detect/random.js';
import type { IngestSeries } from '../../src/series/model.js';
import type { SeriesStore } from '../../src/series/series-store.js';
import { poisson } from '../../src/sim/distributions.js';
import { retryFailureProbability, DEFAULT_PARTNER_FAULTS } from '../../src/sim/dten-sync/partner-faults.js';
import { V1_DEFAULTS } from '../../src/sim/dten-sync/backoff.js';
import { predictRetries } from '../../src/tune/retry-model.js';
import type { BackoffConstants } from '../../src/tune/retry-model.js';

/** The flags as the fleet's clients see them at one step. */
export interface FleetFlags {
  readonly gateEnabled: boolean;
  /** The tuning flag's constants (null: missing or not numeric). */
  readonly constants: BackoffConstants | null;
}

/** What the retries of one peer on one instance depend on at one step. */
export interface RetryMoment {
  /** Start of the step, epoch ms. */
  readonly fromMs: number;
  readonly instance: string;
  readonly peer: string;
  /** Whether the instance runs the new binary (its rollout is past). */
  readonly upgraded: boolean;
  readonly flags: FleetFlags;
}

/** Expected retries per request at a moment. */
export interface RetryWorld {
  readonly name: string;
  retriesPerRequest(moment: RetryMoment): number;
}

/** A square wave: `bad` during the first half of each period (shifted by `offsetMs`), from `originMs`. */
export interface Oscillation {
  readonly originMs: number;
  readonly halfPeriodMs: number;
  /** Per peer, how far its wave is shifted (default 0). */
  readonly offsetMs?: Readonly<Record<string, number>>;
}

/** Whether `peer`'s wave is in its bad half at `atMs`. */
export function isBad(wave: Oscillation, peer: string, atMs: number): boolean {
  const t = atMs - wave.originMs + (wave.offsetMs?.[peer] ?? 0);
  return Math.floor(t / wave.halfPeriodMs) % 2 === 0;
}

/** Upgraded instances alternate between `bad` and `good`; the others, and every peer not in `peers`, stay `good`. */
export function independentWorld(options: { readonly wave: Oscillation; readonly good: number; readonly bad: number; readonly peers: readonly string[] }): RetryWorld {
  return {
    name: 'independent of the flags',
    retriesPerRequest: (m) => (m.upgraded && options.peers.includes(m.peer) && isBad(options.wave, m.peer, m.fromMs) ? options.bad : options.good),
  };
}

/** The legacy strategy as backoff constants: a fixed sleep. */
const V1_CONSTANTS: BackoffConstants = { baseDelayMs: V1_DEFAULTS.delayMs, multiplier: 1, maxDelayMs: V1_DEFAULTS.delayMs, maxRetries: V1_DEFAULTS.maxRetries, jitter: 'none' };

/**
 * dten-sync against a partner whose first-attempt failure rate alternates between `goodFailure` and
 * `badFailure` (on the peers in `peers`; others keep `goodFailure`); retries sooner than the partner's
 * recovery meet the fault again (DEFAULT_PARTNER_FAULTS). v2 where upgraded and the gate is on.
 */
export function dtenSyncWorld(options: { readonly wave: Oscillation; readonly goodFailure: number; readonly badFailure: number; readonly peers: readonly string[] }): RetryWorld {
  const memo = new Map<string, number>();
  const expected = (constants: BackoffConstants, baseFailure: number): number => {
    const key = JSON.stringify([constants, baseFailure]);
    let r = memo.get(key);
    if (r === undefined) {
      const faults = { ...DEFAULT_PARTNER_FAULTS, baseFailure };
      r = predictRetries({ failureProbability: baseFailure, latencyMs: () => faults.latencyMs, retryFailureProbability: (sleepMs) => retryFailureProbability(sleepMs, faults) }, constants, { requests: 20_000, seed: 5 }).retriesPerRequest;
      memo.set(key, r);
    }
    return r;
  };
  return {
    name: 'dten-sync: the flags choose the strategy',
    retriesPerRequest: (m) => {
      const v2 = m.upgraded && m.flags.gateEnabled;
      const constants = v2 ? (m.flags.constants ?? V1_CONSTANTS) : V1_CONSTANTS;
      const bad = options.peers.includes(m.peer) && isBad(options.wave, m.peer, m.fromMs);
      return expected(constants, bad ? options.badFailure : options.goodFailure);
    },
  };
}

/** The fleet's shape. */
export interface FleetOptions {
  readonly service: string;
  /** Instance → rollout time of the new binary (epoch ms). */
  readonly rolloutMs: Readonly<Record<string, number>>;
  readonly peers: readonly string[];
  /** Requests per second of one instance to one peer. */
  readonly ratePerSecond: number;
  readonly world: RetryWorld;
  readonly seed: number;
  readonly metrics: { readonly requests: string; readonly retries: string };
}

/** A fleet writing its counters into a series store, step by step. */
export interface OscillatingFleet {
  /** Pushes the counts of (`fromMs`, `toMs`] under `flags`; returns the samples accepted. */
  emit(fromMs: number, toMs: number, flags: FleetFlags): number;
}

/** Creates the fleet over `store` (one seeded generator per instance and peer). */
export function createOscillatingFleet(options: FleetOptions, store: SeriesStore): OscillatingFleet {
  const streams = Object.keys(options.rolloutMs).flatMap((instance, i) =>
    options.peers.map((peer, j) => ({ instance, peer, rng: createRng(options.seed * 1009 + i * 31 + j) })),
  );
  return {
    emit: (fromMs, toMs, flags) => {
      const seconds = (toMs - fromMs) / 1000;
      const series: IngestSeries[] = [];
      for (const s of streams) {
        const upgraded = fromMs >= (options.rolloutMs[s.instance] ?? Infinity);
        const r = options.world.retriesPerRequest({ fromMs, instance: s.instance, peer: s.peer, upgraded, flags });
        const requests = poisson(s.rng, options.ratePerSecond * seconds);
        const retries = poisson(s.rng, requests * r);
        const labels = { service: options.service, instance: s.instance, peer: s.peer };
        series.push({ name: options.metrics.requests, labels, temporality: 'delta', timestampsMs: [toMs], values: [requests] });
        series.push({ name: options.metrics.retries, labels, temporality: 'delta', timestampsMs: [toMs], values: [retries] });
      }
      const outcome = store.ingest({ series, rejected: new Map() }, toMs);
      if (outcome.rejected.size > 0) throw new Error(`the series store rejected fleet samples at ${new Date(toMs).toISOString()}: ${JSON.stringify([...outcome.rejected])}`);
      return outcome.acceptedSamples;
    },
  };
}
