/**
 * Inference from the split block bootstrap: standard errors of log-scale effects, Welch degrees of
 * freedom from the number of independent blocks on each side, t-based p-values and intervals.
 */
import type { ResamplePlan } from './resample-plan.js';
import { tCdf, tQuantile } from './stats/student-t.js';

/**
 * Evaluates a vector-valued statistic of (baseline slices, after slices). Values are log-scale
 * effects (log ratios) so that a multiplicative change is symmetric; NaN = not estimable.
 */
export type Estimator = (baseline: Int32Array, after: Int32Array, out: Float64Array) => void;

/** Point estimates plus the bootstrap variance each side contributes, per component. */
export interface BootstrapSummary {
  readonly point: Float64Array;
  readonly varianceBaseline: Float64Array;
  readonly varianceAfter: Float64Array;
}

/** Runs `estimator` on the observed slices and on every replicate of the plan. */
export function runBootstrap(plan: ResamplePlan, width: number, estimator: Estimator): BootstrapSummary {
  const point = new Float64Array(width);
  estimator(plan.baselineSlices, plan.afterSlices, point);
  const varianceBaseline = replicateVariance(plan.baselineReplicates, width, (rep, out) => estimator(rep, plan.afterSlices, out));
  const varianceAfter = replicateVariance(plan.afterReplicates, width, (rep, out) => estimator(plan.baselineSlices, rep, out));
  return { point, varianceBaseline, varianceAfter };
}

function replicateVariance(
  replicates: readonly Int32Array[],
  width: number,
  evaluate: (replicate: Int32Array, out: Float64Array) => void,
): Float64Array {
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  const valid = new Float64Array(width);
  const out = new Float64Array(width);
  for (const replicate of replicates) {
    evaluate(replicate, out);
    for (let j = 0; j < width; j++) {
      const v = out[j] ?? NaN;
      if (!Number.isFinite(v)) continue;
      sum[j] = (sum[j] ?? 0) + v;
      sumSq[j] = (sumSq[j] ?? 0) + v * v;
      valid[j] = (valid[j] ?? 0) + 1;
    }
  }
  const variance = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const k = valid[j] ?? 0;
    // Most replicates must be estimable, or the variance itself is not trustworthy.
    if (k < Math.max(2, 0.8 * replicates.length)) {
      variance[j] = NaN;
      continue;
    }
    const mean = (sum[j] ?? 0) / k;
    variance[j] = Math.max(0, ((sumSq[j] ?? 0) - k * mean * mean) / (k - 1));
  }
  return variance;
}

/** A log-scale effect with its uncertainty. */
export interface LogEffect {
  readonly estimate: number;
  readonly standardError: number;
  readonly degreesOfFreedom: number;
  /** Two-sided p-value of "no change" (effect 0). */
  readonly pValue: number;
  /** Interval of the log effect at the requested confidence. */
  readonly interval: readonly [number, number];
}

/**
 * Combines a point estimate with the two sides' bootstrap variances. Degrees of freedom follow
 * Welch-Satterthwaite with (blocks − 1) per side: a bootstrap over few independent blocks must not
 * pretend to have many (that is what keeps bursty, autocorrelated data calibrated).
 */
export function logEffect(
  estimate: number,
  varianceBaseline: number,
  varianceAfter: number,
  blocks: { baseline: number; after: number },
  confidenceLevel: number,
): LogEffect {
  const variance = varianceBaseline + varianceAfter;
  if (!Number.isFinite(estimate) || !Number.isFinite(variance)) return logEffectWithDf(estimate, variance, NaN, confidenceLevel);
  const kb = Math.max(2, blocks.baseline);
  const ka = Math.max(2, blocks.after);
  const denom = (varianceBaseline * varianceBaseline) / (kb - 1) + (varianceAfter * varianceAfter) / (ka - 1);
  const df = denom > 0 ? Math.max(1, (variance * variance) / denom) : kb + ka - 2;
  return logEffectWithDf(estimate, variance, df, confidenceLevel);
}

/** A log-scale effect with a known variance and degrees of freedom (t-based p-value and interval). */
export function logEffectWithDf(estimate: number, variance: number, df: number, confidenceLevel: number): LogEffect {
  if (!Number.isFinite(estimate) || !Number.isFinite(variance) || !(variance >= 0)) {
    return { estimate, standardError: NaN, degreesOfFreedom: NaN, pValue: NaN, interval: [NaN, NaN] };
  }
  const se = Math.sqrt(variance);
  if (se === 0) return { estimate, standardError: 0, degreesOfFreedom: df, pValue: estimate === 0 ? 1 : 0, interval: [estimate, estimate] };
  const half = tQuantile(0.5 + confidenceLevel / 2, df) * se;
  return { estimate, standardError: se, degreesOfFreedom: df, pValue: 2 * tCdf(-Math.abs(estimate / se), df), interval: [estimate - half, estimate + half] };
}

/** Number of non-overlapping blocks a side of `slices` slices holds for block length `length`. */
export function blockCount(slices: number, length: number): number {
  return Math.max(1, Math.floor(slices / Math.max(1, length)));
}

/** Variance inflation per side (≥ 1) for slow drifts the blocks cannot see; see serial-correlation.ts. */
export interface SideInflation {
  readonly baseline: number;
  readonly after: number;
}

/**
 * `logEffect` for component `j` of a bootstrap summary with each side's variance inflated and its
 * block count deflated by the same factor (fewer effective independent blocks).
 */
export function inflatedLogEffect(
  summary: BootstrapSummary,
  j: number,
  inflation: SideInflation,
  blocks: { baseline: number; after: number },
  confidenceLevel: number,
): LogEffect {
  return logEffect(
    summary.point[j] ?? NaN,
    (summary.varianceBaseline[j] ?? NaN) * inflation.baseline,
    (summary.varianceAfter[j] ?? NaN) * inflation.after,
    { baseline: blocks.baseline / inflation.baseline, after: blocks.after / inflation.after },
    confidenceLevel,
  );
}
