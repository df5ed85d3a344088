import { brentRoot } from './brent-root.js';
import { shiftedRankSum, type RankSumStats } from './rank-sum.js';
import { normalCdf, normalQuantile } from './student-t.js';
import { wilcoxonCdf, wilcoxonQuantile } from './wilcoxon-exact.js';

/*
 * Two-sample Wilcoxon rank-sum / Mann–Whitney test with the Hodges–Lehmann shift estimate and its
 * confidence interval, reproducing R's `wilcox.test(x, y, conf.int = TRUE)` (stats 4.2).
 *
 * How Kayenta (Netflix/Spinnaker's canary judge: kayenta-judge MannWhitneyClassifier.scala and
 * kayenta-mannwhitney MannWhitney.scala) uses it: experiment = x, control = y. The verdict ignores the
 * p-value (taken from Apache Commons Math's normal approximation) and compares the confidence interval
 * of the shift with a tolerance band of ± fraction·|estimate| (fraction 0.25 by default): "High" when the
 * lower CI bound exceeds +fraction·|estimate|, "Low" when the upper bound is below −fraction·|estimate|,
 * else "Pass". Kayenta ports only R's asymptotic interval (Brent root-finding, tol 1e-4, on the
 * continuity-corrected statistic, clamped to [min x − max y, max x − min y]) and takes the estimate as the
 * root of that same statistic at 0, for every sample size; R — and this module — use the exact interval
 * and the median of the pairwise differences for small samples without ties. Kayenta's own check
 * (x = [10,20,30,40], y = [1,2,3,4], 95% → [6, 39], estimate 22.5) holds under both.
 */

/** Options of {@link mannWhitney}. */
export interface MannWhitneyOptions {
  /** Confidence level of the interval for the shift, in (0, 1). Default 0.95. */
  confidenceLevel?: number;
  /** Continuity correction of the normal approximation (R's `correct`). Default true. */
  correct?: boolean;
  /**
   * Force (true) or forbid (false) the exact distribution; default: both samples < 50 (R's rule). As in R,
   * ties always fall back to the normal approximation. Forcing is refused above nx·ny = 40 000.
   */
  exact?: boolean;
}

/** Result of {@link mannWhitney}; all shift quantities are in the units of the samples. */
export interface MannWhitneyResult {
  /** R's W for x: #{(i, j): xᵢ > yⱼ} + ½·#{xᵢ = yⱼ}. */
  statistic: number;
  /** Two-sided p-value for H₀: no location shift. */
  pValue: number;
  /** Hodges–Lehmann estimate of the location shift x − y. */
  estimate: number;
  /** Confidence interval [lower, upper] for the shift x − y at the requested level. */
  ci: [number, number];
  /** True when the exact null distribution was used (no ties, both samples < 50 by default). */
  exact: boolean;
  /** R's method string, e.g. "Wilcoxon rank sum exact test". */
  method: string;
}

/** Largest nx·ny for which a forced exact test is computed (200 × 200: about 10⁸ additions). */
const MAX_EXACT_PAIRS = 40_000;

/** Tolerance of R's `uniroot` in wilcox.test (`tol.root = 1e-4`), in the units of the samples. */
const ROOT_TOLERANCE = 1e-4;

/**
 * Wilcoxon rank-sum (Mann–Whitney U) test of x against y with the Hodges–Lehmann estimate and confidence
 * interval of the shift x − y, matching R's `wilcox.test(x, y, conf.int = TRUE, conf.level, correct)`.
 *
 * Method: Wilcoxon (1945), Mann & Whitney (1947); estimate and interval by Hodges & Lehmann (1963) and
 * Bauer (1972). Exact branch (no ties, both samples < 50): exact p-value, interval from order statistics
 * of the pairwise differences, estimate = their median. Otherwise: normal approximation with tie and
 * continuity corrections; the interval ends and the estimate are roots, found with Brent's method
 * (tol 1e-4, as R's `uniroot`), of the asymptotic statistic as a function of the shift.
 *
 * Like R, NaN values are dropped. Deviations from R, which fails in these cases: when every value in x
 * and in y is the same (no spread at all) the p-value is 1; when x and y are each constant, the estimate
 * and interval are that exact difference. Throws a RangeError for an empty sample, an infinite value or a
 * confidence level outside (0, 1).
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`mannWhitney: confidenceLevel must be in (0, 1), got ${confidenceLevel}`);
  }
  const xs = sortedFinite(x, 'x');
  const ys = sortedFinite(y, 'y');
  const stats = shiftedRankSum(xs, ys, 0, { rankSumX: 0, tieTerm: 0, tieGroups: 0 });
  const nx = xs.length;
  const ny = ys.length;
  const statistic = stats.rankSumX - (nx * (nx + 1)) / 2;
  if (options.exact === true && nx * ny > MAX_EXACT_PAIRS) {
    throw new RangeError(
      `mannWhitney: exact: true with ${nx}×${ny} observations; the exact distribution costs O((nx·ny)²), allowed up to nx·ny = ${MAX_EXACT_PAIRS}`,
    );
  }
  const exact = (options.exact ?? (nx < 50 && ny < 50)) && stats.tieGroups === 0;
  if (exact) return exactTest(xs, ys, statistic, confidenceLevel);
  return asymptoticTest(xs, ys, statistic, stats, confidenceLevel, options.correct ?? true);
}

/** Copies the non-NaN values of `values` into an ascending Float64Array; rejects empty and infinite input. */
function sortedFinite(values: readonly number[], name: string): Float64Array {
  const kept: number[] = [];
  values.forEach((value, i) => {
    if (Number.isNaN(value)) return;
    if (!Number.isFinite(value)) {
      throw new RangeError(`mannWhitney: ${name}[${i}] is ${value}; expected a finite number`);
    }
    kept.push(value);
  });
  if (kept.length === 0) {
    throw new RangeError(`mannWhitney: ${name} has no (non-NaN) observations; expected at least one`);
  }
  return Float64Array.from(kept).sort();
}

/** R's exact branch: pwilcox p-value, qwilcox-indexed order statistics of the differences. */
function exactTest(xs: Float64Array, ys: Float64Array, statistic: number, confidenceLevel: number): MannWhitneyResult {
  const nx = xs.length;
  const ny = ys.length;
  const mn = nx * ny;
  const tail = statistic > mn / 2 ? wilcoxonCdf(statistic - 1, nx, ny, false) : wilcoxonCdf(statistic, nx, ny);
  const pValue = Math.min(2 * tail, 1);
  const diffs = new Float64Array(mn);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) diffs[i * ny + j] = (xs[i] as number) - (ys[j] as number);
  }
  diffs.sort();
  let qu = wilcoxonQuantile((1 - confidenceLevel) / 2, nx, ny);
  if (qu === 0) qu = 1;
  const ql = mn - qu;
  const half = Math.floor(mn / 2);
  const estimate = mn % 2 === 1 ? (diffs[half] as number) : ((diffs[half - 1] as number) + (diffs[half] as number)) / 2;
  return {
    statistic,
    pValue,
    estimate,
    ci: [diffs[qu - 1] as number, diffs[ql] as number],
    exact: true,
    method: 'Wilcoxon rank sum exact test',
  };
}

/** R's normal-approximation branch with tie and (optional) continuity correction. */
function asymptoticTest(
  xs: Float64Array,
  ys: Float64Array,
  statistic: number,
  stats: RankSumStats,
  confidenceLevel: number,
  correct: boolean,
): MannWhitneyResult {
  const nx = xs.length;
  const ny = ys.length;
  const centered = statistic - (nx * ny) / 2;
  const sigma = tieCorrectedSigma(nx, ny, stats.tieTerm);
  const correction = correct ? Math.sign(centered) * 0.5 : 0;
  // All values tied: the statistic equals its null mean exactly (R would report NaN).
  const pValue = sigma === 0 ? 1 : 2 * normalCdf(-Math.abs((centered - correction) / sigma));
  const { estimate, ci } = asymptoticInterval(xs, ys, confidenceLevel, correct);
  const method = correct ? 'Wilcoxon rank sum test with continuity correction' : 'Wilcoxon rank sum test';
  return { statistic, pValue, estimate, ci, exact: false, method };
}

/** Standard deviation of W under H₀ with the tie correction Σ(t³ − t). */
function tieCorrectedSigma(nx: number, ny: number, tieTerm: number): number {
  return Math.sqrt(((nx * ny) / 12) * (nx + ny + 1 - tieTerm / ((nx + ny) * (nx + ny - 1))));
}

/**
 * The asymptotic statistic z(d) of the shifted samples (x − d, y) as a function of the shift d, and the
 * roots that R's wilcox.test finds on it: z(d) = ±z₁₋α/₂ for the interval (with the continuity correction
 * when `correct`), z(d) = 0 without correction for the estimate.
 */
function asymptoticInterval(
  xs: Float64Array,
  ys: Float64Array,
  confidenceLevel: number,
  correct: boolean,
): { estimate: number; ci: [number, number] } {
  const nx = xs.length;
  const ny = ys.length;
  const muMin = (xs[0] as number) - (ys[ny - 1] as number);
  const muMax = (xs[nx - 1] as number) - (ys[0] as number);
  if (muMin === muMax) return { estimate: muMin, ci: [muMin, muMin] };
  const scratch: RankSumStats = { rankSumX: 0, tieTerm: 0, tieGroups: 0 };
  const statisticAt = (d: number, withCorrection: boolean): number => {
    shiftedRankSum(xs, ys, d, scratch);
    const dz = scratch.rankSumX - (nx * (nx + 1)) / 2 - (nx * ny) / 2;
    const correction = withCorrection ? Math.sign(dz) * 0.5 : 0;
    return (dz - correction) / tieCorrectedSigma(nx, ny, scratch.tieTerm);
  };
  const atMin = statisticAt(muMin, correct);
  const atMax = statisticAt(muMax, correct);
  const root = (zq: number): number => {
    if (atMin - zq <= 0) return muMin;
    if (atMax - zq >= 0) return muMax;
    const f = (d: number): number => statisticAt(d, correct) - zq;
    return brentRoot(f, muMin, muMax, atMin - zq, atMax - zq, ROOT_TOLERANCE).root;
  };
  const alpha = 1 - confidenceLevel;
  const lower = root(-normalQuantile(alpha / 2));
  const upper = root(normalQuantile(alpha / 2));
  const uncorrected = (d: number): number => statisticAt(d, false);
  const estimate = brentRoot(uncorrected, muMin, muMax, uncorrected(muMin), uncorrected(muMax), ROOT_TOLERANCE).root;
  return { estimate, ci: [lower, upper] };
}
