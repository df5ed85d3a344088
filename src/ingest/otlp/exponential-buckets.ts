/**
 * OTLP exponential histogram points as classic cumulative `le` buckets. Bucket `i` at scale `s` holds
 * values v with base^i < |v| <= base^(i+1), base = 2^(2^-s) (OpenTelemetry data model,
 * "ExponentialHistogram"). Every point is first downscaled to at most one fixed target scale by merging
 * buckets (index i → floor(i / 2^(s - target)), exact: counts are only summed), so that points from
 * different instances and times share one grid of bounds 2^(k / 2^target). A point already coarser
 * than the target keeps its own scale: its bounds are a subset of the same grid (no count is invented
 * by splitting a bucket).
 *
 * Bounds: a positive bucket i ends at base^(i+1); a negative bucket i (values in [-base^(i+1), -base^i))
 * ends at -base^i; the zero bucket ends at the zero threshold. Bounds are sorted, equal bounds merged,
 * and counts accumulated; the caller adds `+Inf` from the point's total count.
 */

/** The default target scale: 2^(1/8) ≈ 9 % wide buckets, 8 per doubling (the OpenTelemetry SDK's default
 * 160 buckets at this scale span 20 doublings, e.g. 1 ms to 17 min). */
export const DEFAULT_EXPONENTIAL_SCALE = 3;

/** The scale range the OpenTelemetry data model allows. */
export const MIN_EXPONENTIAL_SCALE = -10;
export const MAX_EXPONENTIAL_SCALE = 20;

/** Dense bucket counts: `counts[k]` counts bucket index `offset + k`. */
export interface DenseBuckets {
  readonly offset: number;
  readonly counts: readonly number[];
}

/** The bucket layout of one exponential histogram point, counts as numbers. */
export interface ExponentialLayout {
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: DenseBuckets;
  readonly negative: DenseBuckets;
}

/** One classic bucket: the number of observations <= `le`. */
export interface CumulativeBucket {
  readonly le: number;
  readonly count: number;
}

/** Merges buckets `2^by` at a time: the layout of the same observations at scale `scale - by` (exact). */
export function downscaleBuckets(buckets: DenseBuckets, by: number): DenseBuckets {
  if (by <= 0 || buckets.counts.length === 0) return buckets;
  const factor = 2 ** by;
  const offset = Math.floor(buckets.offset / factor);
  const last = Math.floor((buckets.offset + buckets.counts.length - 1) / factor);
  const counts = new Array<number>(last - offset + 1).fill(0);
  buckets.counts.forEach((count, k) => {
    const slot = Math.floor((buckets.offset + k) / factor) - offset;
    counts[slot] = (counts[slot] as number) + count;
  });
  return { offset, counts };
}

/**
 * The lower boundary base^index of bucket `index` at `scale` (<= `targetScale`), computed on the
 * target grid as 2^(k / 2^target) so that every scale yields bit-identical bounds.
 */
export function exponentialLowerBound(index: number, scale: number, targetScale: number): number {
  const gridIndex = index * 2 ** (targetScale - scale);
  return 2 ** (gridIndex / 2 ** targetScale);
}

/**
 * The cumulative classic buckets of a point at `min(point.scale, targetScale)`, sorted by `le`, one per
 * populated bucket index (zero counts inside the populated range included) plus the zero bucket.
 * A bound that overflows to +Infinity is left to the caller's `+Inf` bucket, one at -Infinity counts
 * into every bucket above it, and equal bounds (e.g. underflow to 0) are merged.
 */
export function exponentialCumulativeBuckets(point: ExponentialLayout, targetScale: number): CumulativeBucket[] {
  const scale = Math.min(point.scale, targetScale);
  const by = point.scale - scale;
  const positive = downscaleBuckets(point.positive, by);
  const negative = downscaleBuckets(point.negative, by);
  const entries: CumulativeBucket[] = [{ le: point.zeroThreshold, count: point.zeroCount }];
  negative.counts.forEach((count, k) => {
    entries.push({ le: -exponentialLowerBound(negative.offset + k, scale, targetScale), count });
  });
  positive.counts.forEach((count, k) => {
    entries.push({ le: exponentialLowerBound(positive.offset + k + 1, scale, targetScale), count });
  });
  return accumulate(entries.sort((a, b) => (a.le < b.le ? -1 : a.le > b.le ? 1 : 0)));
}

function accumulate(sorted: readonly CumulativeBucket[]): CumulativeBucket[] {
  const out: CumulativeBucket[] = [];
  let running = 0;
  for (const { le, count } of sorted) {
    running += count;
    if (!Number.isFinite(le)) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.le === le) out[out.length - 1] = { le, count: running };
    else out.push({ le, count: running });
  }
  return out;
}
