/**
 * Estimates the behaviour of one attempt of the tuned client from what detection saw of its service:
 * the retries signal's ratio (retries per request) before the upgrade and now, and the latency
 * signal's baseline quantiles.
 *
 * - Without a transient-fault hint, every attempt fails alike: p solves r = p + p² + … + p^R for the
 *   ratio r seen now under the current `maxRetries` R (`failureProbabilityFromRetries`).
 * - With the operator's hint that the called API's faults last `transientFaultMs`, a first attempt
 *   fails with the baseline's rate (before the upgrade the old strategy's retries were few, so the
 *   baseline ratio bounds the first-attempt failure from above: r = p for R = 1), and a retry sooner
 *   than the fault's duration fails with a higher probability, fitted by bisection so the simulated
 *   loop with the current constants reproduces the ratio seen now.
 * - One attempt's latency is log-normal through the baseline p50 and p99 of the service's end-to-end
 *   latency (mostly single attempts before the upgrade); without them, 10 ms and σ 0.5, noted.
 */
import type { Rng } from '../detect/random.js';
import { normalQuantile } from '../detect/stats/student-t.js';
import { failureProbabilityFromRetries, predictRetries } from './retry-model.js';
import type { AttemptModel, BackoffConstants } from './retry-model.js';

/** What detection knows about the service. */
export interface ServiceObservations {
  /** Retries per request before the upgrade and now. */
  readonly retries: { readonly baseline: number; readonly after: number };
  /** Baseline end-to-end latency quantiles, ms (null when the service has no latency group). */
  readonly latency: { readonly p50Ms: number; readonly p99Ms: number } | null;
}

/** The fitted model, with the figures stored in the decision. */
export interface FittedAttemptModel {
  readonly attempt: AttemptModel;
  readonly firstAttemptFailure: number;
  readonly retryFailureSoon: number;
  readonly transientFaultMs: number | null;
  readonly latencyMedianMs: number;
  readonly latencySigma: number;
  readonly notes: readonly string[];
}

/** No attempt is modelled as certain to fail: a loop where every retry fails tells nothing about constants. */
const MAX_FAILURE = 0.99;
const Z99 = normalQuantile(0.99);

/**
 * Fits the attempt model for a client currently running `constants`. Null when the ratio seen now is
 * not reachable under the current `maxRetries` (every attempt failing), which no constant can fix.
 */
export function fitAttemptModel(observed: ServiceObservations, constants: BackoffConstants, transientFaultMs: number | null, seed = 1): FittedAttemptModel | null {
  const notes: string[] = [];
  const latency = latencyModel(observed.latency, notes);
  const now = failureProbabilityFromRetries(observed.retries.after, constants.maxRetries);
  if (now === null) return null;
  if (transientFaultMs === null) {
    const p = Math.min(MAX_FAILURE, now);
    return { attempt: { failureProbability: p, latencyMs: latency.draw }, firstAttemptFailure: p, retryFailureSoon: p, transientFaultMs: null, latencyMedianMs: latency.medianMs, latencySigma: latency.sigma, notes };
  }
  const first = Math.min(MAX_FAILURE, Math.max(0, observed.retries.baseline));
  const withSoon = (soon: number): AttemptModel => ({
    failureProbability: first,
    latencyMs: latency.draw,
    retryFailureProbability: (sleepMs) => (sleepMs < transientFaultMs ? soon : first),
  });
  const ratioWith = (soon: number): number => predictRetries(withSoon(soon), constants, { requests: 4000, seed }).retriesPerRequest;
  let soon: number;
  if (ratioWith(first) >= observed.retries.after) {
    soon = first;
    notes.push('the ratio seen now is explained without a transient fault: retries fail like first attempts');
  } else if (ratioWith(MAX_FAILURE) <= observed.retries.after) {
    soon = MAX_FAILURE;
    notes.push(`even retries that always meet the fault do not reach the ratio seen now (${fmt(observed.retries.after)}); capped at ${MAX_FAILURE}`);
  } else {
    let lo = first;
    let hi = MAX_FAILURE;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (ratioWith(mid) < observed.retries.after) lo = mid;
      else hi = mid;
    }
    soon = (lo + hi) / 2;
  }
  return { attempt: withSoon(soon), firstAttemptFailure: first, retryFailureSoon: soon, transientFaultMs, latencyMedianMs: latency.medianMs, latencySigma: latency.sigma, notes };
}

function latencyModel(latency: ServiceObservations['latency'], notes: string[]): { draw: (rng: Rng) => number; medianMs: number; sigma: number } {
  let medianMs = 10;
  let sigma = 0.5;
  if (latency !== null && latency.p50Ms > 0 && latency.p99Ms >= latency.p50Ms) {
    medianMs = latency.p50Ms;
    sigma = Math.log(latency.p99Ms / latency.p50Ms) / Z99;
  } else {
    notes.push('no baseline latency of the service: one attempt modelled as log-normal with median 10 ms, sigma 0.5');
  }
  return {
    medianMs,
    sigma,
    // Inverse-CDF draw keeps one uniform per attempt, so predictions stay comparable across candidates.
    draw: (rng) => medianMs * Math.exp(sigma * normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, rng.next())))),
  };
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
