/**
 * A model of a client's retry loop, to predict what new backoff constants would do before they are
 * written: each attempt fails independently with probability `p`, an attempt takes a latency drawn
 * from the observed distribution, and between attempts the client sleeps as its backoff says
 * (exponential with a cap, and full, equal or decorrelated jitter as in the AWS Architecture Blog's
 * "Exponential Backoff And Jitter"). Simulated with a seeded generator, so a prediction is
 * reproducible and can be stored with the decision that relied on it.
 *
 * `p` is estimated from what the group's metrics show: retries per request r under the current
 * `maxRetries` R satisfy r = p + p² + … + p^R, solved for p by bisection.
 */
import { createRng } from '../detect/random.js';
import type { Rng } from '../detect/random.js';

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** The constants of a backoff strategy (as in the `dten.sync.backoff` variant payload). */
export interface BackoffConstants {
  readonly baseDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly maxRetries: number;
  readonly jitter: Jitter;
}

/** What a prediction says about a strategy. */
export interface RetryPrediction {
  /** Mean retries per request (attempts − 1). */
  readonly retriesPerRequest: number;
  /** Share of requests that failed every attempt. */
  readonly failureRate: number;
  /** End-to-end latency quantiles (attempts and sleeps), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
}

/** The observed behaviour of one attempt. */
export interface AttemptModel {
  /** Probability that one attempt fails (and is retried when retries remain). */
  readonly failureProbability: number;
  /** Draws one attempt's latency, ms. */
  readonly latencyMs: (rng: Rng) => number;
  /**
   * Failure probability of a retry after sleeping `sleepMs` (transient failures pass with time: a
   * retry that comes too soon meets the same fault). Absent: every attempt fails with
   * `failureProbability`, whatever the sleep.
   */
  readonly retryFailureProbability?: (sleepMs: number) => number;
}

/**
 * The per-attempt failure probability that gives `retriesPerRequest` under `maxRetries` retries:
 * the root of p + p² + … + p^R = r on [0, 1). Null when r is not reachable (r ≥ R would need p = 1).
 */
export function failureProbabilityFromRetries(retriesPerRequest: number, maxRetries: number): number | null {
  if (!(retriesPerRequest >= 0) || !Number.isInteger(maxRetries) || maxRetries < 1) return null;
  if (retriesPerRequest === 0) return 0;
  if (retriesPerRequest >= maxRetries) return null;
  const expected = (p: number): number => {
    let sum = 0;
    let power = 1;
    for (let k = 1; k <= maxRetries; k++) {
      power *= p;
      sum += power;
    }
    return sum;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < retriesPerRequest) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The sleep before retry number `k` (1-based), given the previous sleep (decorrelated jitter uses it). */
export function backoffDelayMs(constants: BackoffConstants, k: number, previousMs: number, rng: Rng): number {
  const { baseDelayMs: base, multiplier, maxDelayMs: cap } = constants;
  const exponential = Math.min(cap, base * multiplier ** (k - 1));
  switch (constants.jitter) {
    case 'none':
      return exponential;
    case 'full':
      return rng.next() * exponential;
    case 'equal':
      return exponential / 2 + rng.next() * (exponential / 2);
    case 'decorrelated': {
      const upper = Math.max(base, previousMs * 3);
      return Math.min(cap, base + rng.next() * (upper - base));
    }
  }
}

/** Simulates `requests` requests through the retry loop (seeded). */
export function predictRetries(attempt: AttemptModel, constants: BackoffConstants, options: { readonly requests?: number; readonly seed?: number } = {}): RetryPrediction {
  const requests = options.requests ?? 20_000;
  const rng = createRng(options.seed ?? 1);
  const totals = new Float64Array(requests);
  let retries = 0;
  let failures = 0;
  for (let i = 0; i < requests; i++) {
    let elapsed = attempt.latencyMs(rng);
    let previous = constants.baseDelayMs;
    let k = 0;
    let failed = rng.next() < attempt.failureProbability;
    while (failed && k < constants.maxRetries) {
      k++;
      previous = backoffDelayMs(constants, k, previous, rng);
      elapsed += previous + attempt.latencyMs(rng);
      failed = rng.next() < (attempt.retryFailureProbability?.(previous) ?? attempt.failureProbability);
    }
    retries += k;
    if (failed) failures++;
    totals[i] = elapsed;
  }
  totals.sort();
  return {
    retriesPerRequest: retries / requests,
    failureRate: failures / requests,
    p50Ms: quantileSorted(totals, 0.5),
    p99Ms: quantileSorted(totals, 0.99),
    requests,
  };
}

/** Attempt latencies drawn from a histogram (Prometheus `le` bounds, seconds; per-bucket counts), uniform within a bucket. */
export function latencyFromHistogram(boundsSeconds: readonly number[], counts: readonly number[]): (rng: Rng) => number {
  const finite = boundsSeconds.map((b, i) => (Number.isFinite(b) ? b : (boundsSeconds[i - 1] ?? 0) * 2));
  const cumulative: number[] = [];
  let total = 0;
  for (const c of counts) cumulative.push((total += Math.max(0, c)));
  if (total <= 0) throw new Error('latencyFromHistogram: the histogram holds no observations');
  return (rng) => {
    const u = rng.next() * total;
    let i = 0;
    while (i < cumulative.length - 1 && (cumulative[i] ?? 0) <= u) i++;
    const lower = i === 0 ? 0 : (finite[i - 1] ?? 0);
    const upper = finite[i] ?? lower;
    return (lower + rng.next() * (upper - lower)) * 1000;
  };
}

function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] ?? NaN) + (h - lo) * ((sorted[hi] ?? NaN) - (sorted[lo] ?? NaN));
}
