/**
 * Latency of one slice as a mixture of lognormals sharing one log-sigma: weight w_j at log-median
 * mu + logShift_j. Gives histogram cell probabilities, within-cell conditional means (for `_sum`),
 * quantiles, and the tail mixture that moves a chosen quantile by a requested factor.
 */
import { normalCdf, normalQuantile } from './normal-math.js';
import type { TailMixture } from './fleet-scenario.js';

export interface MixtureComponent {
  readonly weight: number;
  /** Added to the log-median of the base lognormal. */
  readonly logShift: number;
}

/** The single-component mixture of an unaffected endpoint. */
export const BASE_MIXTURE: readonly MixtureComponent[] = [{ weight: 1, logShift: 0 }];

/** Applies a tail effect: every component splits into (1 − fraction) unchanged and fraction × factor. */
export function withTail(components: readonly MixtureComponent[], tail: TailMixture): MixtureComponent[] {
  const shift = Math.log(tail.factor);
  return components.flatMap((c) => [
    { weight: c.weight * (1 - tail.fraction), logShift: c.logShift },
    { weight: c.weight * tail.fraction, logShift: c.logShift + shift },
  ]);
}

/**
 * Fills `probs[i]` with the probability of histogram cell i (cell i = (bound[i−1], bound[i]], the
 * last cell above the last finite bound) and `means[i]` with E[latency | cell i] in seconds, for the
 * mixture at log-median `mu` with log-sigma `sigma`. `logBounds` holds ln of the finite bounds;
 * `probs`/`means` have one more entry. Partial expectations use E[X; X ≤ b] = e^{mu+σ²/2}Φ(z − σ).
 */
export function fillCellProbabilities(
  logBounds: Float64Array,
  mu: number,
  sigma: number,
  components: readonly MixtureComponent[],
  probs: Float64Array,
  means: Float64Array,
): void {
  probs.fill(0);
  means.fill(0);
  const cells = logBounds.length + 1;
  for (const c of components) {
    const m = mu + c.logShift;
    const scaleMean = c.weight * Math.exp(m + 0.5 * sigma * sigma);
    let prevCdf = 0;
    let prevPartial = 0;
    for (let i = 0; i < cells; i++) {
      const z = i < logBounds.length ? ((logBounds[i] ?? 0) - m) / sigma : Number.POSITIVE_INFINITY;
      const cdf = z === Number.POSITIVE_INFINITY ? 1 : normalCdf(z);
      const partial = z === Number.POSITIVE_INFINITY ? 1 : normalCdf(z - sigma);
      probs[i] = (probs[i] ?? 0) + c.weight * (cdf - prevCdf);
      means[i] = (means[i] ?? 0) + scaleMean * (partial - prevPartial);
      prevCdf = cdf;
      prevPartial = partial;
    }
  }
  for (let i = 0; i < cells; i++) {
    const p = probs[i] ?? 0;
    means[i] = p > 1e-300 ? (means[i] ?? 0) / p : cellFallbackMean(logBounds, i);
  }
}

/** A representative latency for a cell that has (numerically) no mass: its upper bound, or the last bound. */
function cellFallbackMean(logBounds: Float64Array, i: number): number {
  const bound = logBounds[Math.min(i, logBounds.length - 1)];
  return bound === undefined ? 0 : Math.exp(bound);
}

/** CDF of the mixture at `x` seconds. */
export function mixtureCdf(x: number, logMedian: number, sigma: number, components: readonly MixtureComponent[]): number {
  if (x <= 0) return 0;
  const lx = Math.log(x);
  let total = 0;
  for (const c of components) total += c.weight * normalCdf((lx - logMedian - c.logShift) / sigma);
  return total;
}

/** Quantile `q` of the mixture in seconds, by bisection on ln(x) (to ~1e-12 relative). */
export function mixtureQuantile(q: number, logMedian: number, sigma: number, components: readonly MixtureComponent[]): number {
  let lo = logMedian - 40 * sigma - 50;
  let hi = logMedian + 40 * sigma + 50;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = 0.5 * (lo + hi);
    if (mixtureCdf(Math.exp(mid), logMedian, sigma, components) < q) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/**
 * The tail mixture that multiplies quantile `q` of a lognormal with log-sigma `logSigma` by exactly
 * `quantileFactor` (> 1), with `fraction` of requests slowed (default max(2·(1 − q), 1.5·minimum)).
 * Solves (1−ε)Φ(z_q + ln f/σ) + εΦ(z_q + (ln f − ln k)/σ) = q for k. The median is independent of the
 * lognormal's median: use the pooled log-sigma √(σ² + σ_drift²) when a drift is configured.
 * For a whole-distribution shift use `scale: quantileFactor` instead (every quantile moves exactly).
 */
export function tailShiftForQuantile(q: number, quantileFactor: number, logSigma: number, fraction?: number): TailMixture {
  if (!(q > 0.5 && q < 1)) throw new RangeError(`tailShiftForQuantile: q must be in (0.5, 1), got ${q}`);
  if (!(quantileFactor > 1)) throw new RangeError(`tailShiftForQuantile: quantileFactor must be > 1, got ${quantileFactor}`);
  if (!(logSigma > 0)) throw new RangeError(`tailShiftForQuantile: logSigma must be > 0, got ${logSigma}`);
  const zq = normalQuantile(q);
  const shifted = normalCdf(zq + Math.log(quantileFactor) / logSigma);
  const minimumFraction = 1 - q / shifted;
  const epsilon = fraction ?? Math.min(0.5, Math.max(Number((2 * (1 - q)).toPrecision(12)), 1.5 * minimumFraction));
  if (!(epsilon > minimumFraction && epsilon < 1)) {
    throw new RangeError(`tailShiftForQuantile: fraction must be in (${minimumFraction}, 1) to move p${q * 100} by ${quantileFactor}, got ${epsilon}`);
  }
  const target = (q - (1 - epsilon) * shifted) / epsilon;
  const logK = logSigma * (zq - normalQuantile(target)) + Math.log(quantileFactor);
  return { fraction: epsilon, factor: Math.exp(logK) };
}
