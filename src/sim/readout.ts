/**
 * Reading simulated counters back the way PromQL would: reset-aware increases over a window and
 * `histogram_quantile`-style quantiles from classic buckets. Used by tests and the demo to show the
 * ground truth in the same units shiftguard reports.
 */
import type { RawSeries } from '../series/model.js';

/**
 * Increase of a cumulative counter over [fromMs, toMs] from the samples inside it, treating any
 * decrease as a reset to 0 (as `increase()` does, without extrapolation to the window edges).
 */
export function counterIncrease(series: RawSeries, fromMs: number, toMs: number): number {
  let total = 0;
  let previous: number | undefined;
  for (let i = 0; i < series.timestampsMs.length; i++) {
    const t = series.timestampsMs[i] ?? 0;
    if (t < fromMs) continue;
    if (t > toMs) break;
    const v = series.values[i] ?? 0;
    if (previous !== undefined) total += v >= previous ? v - previous : v;
    previous = v;
  }
  return total;
}

/** One classic-histogram bucket: upper bound (seconds, Infinity for `+Inf`) and cumulative count. */
export interface CumulativeBucket {
  readonly le: number;
  readonly count: number;
}

/**
 * Quantile `q` of a classic histogram with linear interpolation inside the bucket, as Prometheus'
 * `histogram_quantile` does (lowest bucket interpolated from 0; a rank in `+Inf` returns the
 * highest finite bound). NaN for an empty histogram.
 */
export function bucketQuantile(q: number, buckets: readonly CumulativeBucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]?.count ?? 0;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket > 0 ? lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket : bucket.le;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/**
 * Bucket increases over [fromMs, toMs] summed over every `<histogram>_bucket` series matching
 * `match` (a label subset), grouped by `le`: the input of {@link bucketQuantile}.
 */
export function windowBuckets(
  series: readonly RawSeries[],
  histogram: string,
  match: Readonly<Record<string, string>>,
  fromMs: number,
  toMs: number,
): CumulativeBucket[] {
  const byLe = new Map<number, number>();
  for (const s of series) {
    if (s.name !== `${histogram}_bucket`) continue;
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const leText = s.labels['le'] ?? '';
    const le = leText === '+Inf' ? Number.POSITIVE_INFINITY : Number(leText);
    byLe.set(le, (byLe.get(le) ?? 0) + counterIncrease(s, fromMs, toMs));
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** Sum of {@link counterIncrease} over the series named `name` matching `match`. */
export function windowIncrease(series: readonly RawSeries[], name: string, match: Readonly<Record<string, string>>, fromMs: number, toMs: number): number {
  let total = 0;
  for (const s of series) {
    if (s.name !== name || !Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    total += counterIncrease(s, fromMs, toMs);
  }
  return total;
}
