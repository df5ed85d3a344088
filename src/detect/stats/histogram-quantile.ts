/*
 * Quantiles of bucketed histograms. Every function takes `bounds`: the buckets' upper bounds (inclusive,
 * Prometheus `le`) sorted ascending with the last one = +Infinity, and `counts`: NON-cumulative
 * observation counts per bucket (same length). None of them allocates, so they can run inside bootstrap
 * loops.
 */

/** The bucket a quantile's rank falls into (see {@link quantileBucket}). */
export interface QuantileBucket {
  /** Index into bounds/counts; −1 when the histogram is empty or q is NaN. */
  index: number;
  /** Lower edge of the bucket: the previous bound, or 0 for the first bucket when its upper bound > 0. */
  lower: number;
  /** Upper edge of the bucket: bounds[index] (Infinity for the last bucket). */
  upper: number;
}

function checkShape(bounds: ArrayLike<number>, counts: ArrayLike<number>, caller: string): void {
  if (bounds.length !== counts.length) {
    throw new RangeError(`${caller}: bounds has ${bounds.length} entries but counts has ${counts.length}; expected equal lengths`);
  }
  if (bounds.length > 0 && bounds[bounds.length - 1] !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`${caller}: the last bound is ${bounds[bounds.length - 1]}; expected Infinity (the +Inf bucket)`);
  }
}

/** Sum of counts; throws on a negative or NaN count. */
function totalCount(counts: ArrayLike<number>, caller: string): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (!(c >= 0)) throw new RangeError(`${caller}: counts[${i}] is ${c}; expected a count ≥ 0`);
    total += c;
  }
  return total;
}

/**
 * Index of the first non-empty bucket whose cumulative count reaches `rank` (Prometheus' search), or the
 * last index when rounding leaves the rank beyond every cumulative count.
 */
function rankBucket(counts: ArrayLike<number>, rank: number): number {
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i] as number;
    if (cumulative >= rank && (counts[i] as number) > 0) return i;
  }
  return counts.length - 1;
}

/**
 * The bucket the rank q·total falls into: the first non-empty bucket whose cumulative count reaches it
 * (for q in (0, 1] exactly the bucket Prometheus' `histogram_quantile` interpolates in). `lower` is the
 * previous bound, or 0 for the first bucket when its upper bound is > 0 (−Infinity otherwise).
 * Returns index −1 (edges NaN) for an empty histogram or NaN q; q is clamped to [0, 1].
 */
export function quantileBucket(bounds: ArrayLike<number>, counts: ArrayLike<number>, q: number): QuantileBucket {
  checkShape(bounds, counts, 'quantileBucket');
  const total = totalCount(counts, 'quantileBucket');
  if (total === 0 || Number.isNaN(q)) return { index: -1, lower: Number.NaN, upper: Number.NaN };
  const index = rankBucket(counts, Math.min(Math.max(q, 0), 1) * total);
  return { index, lower: lowerEdge(bounds, index), upper: bounds[index] as number };
}

function lowerEdge(bounds: ArrayLike<number>, index: number): number {
  if (index > 0) return bounds[index - 1] as number;
  return (bounds[0] as number) > 0 ? 0 : Number.NEGATIVE_INFINITY;
}

/**
 * Estimates the q-quantile (q ∈ [0, 1]) of a bucketed latency histogram, in the units of `bounds`.
 *
 * Why not Prometheus' linear interpolation: latency densities decrease steeply inside the wide tail
 * buckets of typical (roughly exponential) bucket layouts, so assuming a uniform density within
 * [lo, hi] puts tail quantiles too high, and makes the estimate of a small shift jump when the quantile
 * sits just above a bucket boundary (a 2% slower p99 can read as 10% or more). Here the survival function S(x) is
 * interpolated log-linearly in log x within the bucket — a locally Pareto tail, exact for power-law
 * tails and close for lognormal ones:
 *   x = lo · (hi/lo)^((ln S_lo − ln(1−q)) / (ln S_lo − ln S_hi)),
 * which still returns lo and hi at the bucket edges. Linear interpolation (as Prometheus) is used where
 * that model cannot apply: the first bucket (lo ≤ 0, no logarithm) and a bucket holding the entire
 * remaining mass (S_hi = 0). The +Inf bucket → the highest finite bound.
 * Deliberately no linear fallback for body quantiles (S_lo ≥ 0.5): switching models on S_lo makes the
 * estimate jump when a small shift moves S_lo across the threshold (with lognormal latencies, σ = 0.4,
 * coarse buckets, a 2% shift of p90 read as up to 54%), while log-survival interpolation is about as
 * accurate as linear for the median of lognormal data and more accurate from p75 on.
 * Method: the Pareto/power-law interpolation of grouped data, cf. Cowell & Mehta (1982) "The estimation
 * and interpolation of inequality measures", Review of Economic Studies 49(2).
 * Returns NaN for an empty histogram or NaN q, −Infinity for q < 0 and +Infinity for q > 1 (as Prometheus).
 */
export function histogramQuantile(bounds: ArrayLike<number>, counts: ArrayLike<number>, q: number): number {
  checkShape(bounds, counts, 'histogramQuantile');
  const total = totalCount(counts, 'histogramQuantile');
  if (Number.isNaN(q) || total === 0 || bounds.length < 2) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const rank = q * total;
  const b = rankBucket(counts, rank);
  if (b === bounds.length - 1) return bounds[bounds.length - 2] as number;
  const hi = bounds[b] as number;
  if (b === 0 && hi <= 0) return hi;
  const lo = b > 0 ? (bounds[b - 1] as number) : 0;
  let below = 0;
  for (let i = 0; i < b; i++) below += counts[i] as number;
  const inBucket = counts[b] as number;
  const survivalLo = (total - below) / total;
  const survivalHi = (total - below - inBucket) / total;
  if (lo <= 0 || survivalHi <= 0) return lo + (hi - lo) * Math.min(Math.max((rank - below) / inBucket, 0), 1);
  const logSurvivalLo = Math.log(survivalLo);
  const fraction = (logSurvivalLo - Math.log(1 - q)) / (logSurvivalLo - Math.log(survivalHi));
  return lo * Math.pow(hi / lo, Math.min(Math.max(fraction, 0), 1));
}

/** Reused scratch for Prometheus' corrected cumulative counts (single-threaded, never escapes). */
let cumulativeScratch = new Float64Array(64);

/**
 * Prometheus' `histogram_quantile(q, …)` for one classic histogram, reproduced exactly (promql/quantile.go
 * `bucketQuantile`): linear interpolation within the bucket holding rank q·total; lower edge 0 for the
 * first bucket unless its upper bound is ≤ 0 (then that bound is returned); the highest finite bound when
 * the rank lands in the +Inf bucket; NaN when empty, for NaN q or with fewer than two buckets; −Infinity
 * for q < 0, +Infinity for q > 1. Like Prometheus it zeroes cumulative increments smaller than 1e-12
 * relative (float noise from rate()) and ignores decreases of the cumulative count (negative counts).
 */
export function prometheusHistogramQuantile(
  bounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  q: number,
): number {
  checkShape(bounds, counts, 'prometheusHistogramQuantile');
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const n = bounds.length;
  if (n < 2) return Number.NaN;
  const cumulative = prometheusCumulative(counts);
  const observations = cumulative[n - 1] as number;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < n - 1 && (cumulative[b] as number) < rank) b++;
  if (b === n - 1) return bounds[n - 2] as number;
  if (b === 0 && (bounds[0] as number) <= 0) return bounds[0] as number;
  const bucketEnd = bounds[b] as number;
  let bucketStart = 0;
  let count = cumulative[b] as number;
  if (b > 0) {
    bucketStart = bounds[b - 1] as number;
    count -= cumulative[b - 1] as number;
    rank -= cumulative[b - 1] as number;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * Cumulative counts after Prometheus' `correctPrecisionErrors(…, 1e-12)` and `ensureMonotonic` passes,
 * in a reused scratch array (valid until the next call).
 */
function prometheusCumulative(counts: ArrayLike<number>): Float64Array {
  const n = counts.length;
  if (cumulativeScratch.length < n) cumulativeScratch = new Float64Array(Math.max(n, 2 * cumulativeScratch.length));
  const out = cumulativeScratch;
  let raw = counts[0] as number;
  let reference = raw; // the last raw cumulative count that was not treated as float noise
  out[0] = raw;
  for (let i = 1; i < n; i++) {
    raw += counts[i] as number;
    const delta = Math.abs(raw - reference);
    if (delta !== 0 && delta / raw <= 1e-12) out[i] = reference;
    else {
      out[i] = raw;
      if (delta !== 0) reference = raw;
    }
  }
  for (let i = 1; i < n; i++) out[i] = Math.max(out[i] as number, out[i - 1] as number);
  return out;
}

/**
 * Index i of the finite bound whose survival fraction S(bounds[i]) = (count above bounds[i]) / total is
 * closest to 1 − q in log ratio |ln(S / (1 − q))|, among bounds with S > 0 (the first on ties); −1 when
 * there is none (empty histogram, or no observation above the first bound). Used to test the fraction of
 * requests above the baseline's q-quantile boundary instead of the interpolated quantile itself.
 */
export function tailBoundaryIndex(bounds: ArrayLike<number>, counts: ArrayLike<number>, q: number): number {
  checkShape(bounds, counts, 'tailBoundaryIndex');
  const total = totalCount(counts, 'tailBoundaryIndex');
  if (total === 0 || !(q >= 0 && q < 1)) return -1;
  const logTarget = Math.log(1 - q);
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  let above = total;
  for (let i = 0; i < bounds.length - 1; i++) {
    above -= counts[i] as number;
    if (above <= 0) break;
    const distance = Math.abs(Math.log(above / total) - logTarget);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best;
}

/** Number of observations above bounds[index], i.e. the counts of buckets index+1 … last. */
export function survivalAbove(bounds: ArrayLike<number>, counts: ArrayLike<number>, index: number): number {
  checkShape(bounds, counts, 'survivalAbove');
  if (!Number.isInteger(index) || index < 0 || index >= counts.length) {
    throw new RangeError(`survivalAbove: index ${index} is outside 0 … ${counts.length - 1}`);
  }
  let above = 0;
  for (let i = index + 1; i < counts.length; i++) above += counts[i] as number;
  return above;
}
