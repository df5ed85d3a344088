/**
 * OTLP Histogram and ExponentialHistogram metrics as classic Prometheus histograms:
 * `<name>_bucket{le}` (cumulative over `le`, `+Inf` from the point's count), `<name>_count` and, when
 * the point has a sum, `<name>_sum`, all with the metric's temporality. Exponential points go through
 * {@link exponentialCumulativeBuckets} at the configured target scale. Points whose buckets contradict
 * their count or bounds are rejected as `invalid_buckets`, a NaN or infinite sum as `non_finite_value`.
 * `_sum` is written whenever the point has a sum (as Prometheus' own OTLP receiver does): whether a
 * sum is "positive and monotonic", the specification's condition, cannot be told from one point.
 */
import type { Temporality } from '../../series/model.js';
import { exponentialCumulativeBuckets, MAX_EXPONENTIAL_SCALE, MIN_EXPONENTIAL_SCALE, type CumulativeBucket, type DenseBuckets, type ExponentialLayout } from './exponential-buckets.js';
import { pointHead, temporalityOf, type MetricContext, type PointHead } from './otlp-points.js';
import type { OtlpExponentialBuckets, OtlpExponentialHistogramDataPoint, OtlpHistogramDataPoint } from './otlp-wire-types.js';
import { prometheusMetricName } from './prometheus-naming.js';

/** The classic histogram one OTLP point maps to. */
interface ClassicPoint {
  readonly buckets: readonly CumulativeBucket[];
  readonly count: number;
  readonly sum: number | undefined;
}

/** Maps the points of a Histogram (explicit bounds) metric. */
export function mapHistogram(context: MetricContext, points: readonly OtlpHistogramDataPoint[], aggregationTemporality: number | undefined): void {
  mapHistogramPoints(context, points, aggregationTemporality, explicitClassicPoint);
}

/** Maps the points of an ExponentialHistogram metric. */
export function mapExponentialHistogram(
  context: MetricContext,
  points: readonly OtlpExponentialHistogramDataPoint[],
  aggregationTemporality: number | undefined,
): void {
  mapHistogramPoints(context, points, aggregationTemporality, (point) => exponentialClassicPoint(point, context.exponentialScale));
}

function mapHistogramPoints<P extends OtlpHistogramDataPoint | OtlpExponentialHistogramDataPoint>(
  context: MetricContext,
  points: readonly P[],
  aggregationTemporality: number | undefined,
  classic: (point: P) => ClassicPoint | undefined,
): void {
  const { builder } = context;
  const temporality = temporalityOf(aggregationTemporality);
  if (temporality === undefined) {
    builder.reject('unspecified_temporality', context.metricName, points.length);
    return;
  }
  const name = prometheusMetricName(context.metricName, context.unit, 'histogram');
  // Built once per metric, not per point: the builder hashes each name string once (see its `group`).
  const names: ClassicNames = { bucket: `${name}_bucket`, count: `${name}_count`, sum: `${name}_sum` };
  for (const point of points) {
    const head = pointHead(context, point);
    if (head === undefined) continue;
    const mapped = classic(point);
    if (mapped === undefined) {
      builder.reject('invalid_buckets', context.metricName);
    } else if (mapped.sum !== undefined && !Number.isFinite(mapped.sum)) {
      builder.reject('non_finite_value', context.metricName);
    } else {
      emitClassic(context, names, head, temporality, mapped);
      builder.accept();
    }
  }
}

/** The series names of one classic histogram. */
interface ClassicNames {
  readonly bucket: string;
  readonly count: string;
  readonly sum: string;
}

function emitClassic(context: MetricContext, names: ClassicNames, head: PointHead, temporality: Temporality, point: ClassicPoint): void {
  const { builder } = context;
  const { labels, timestampMs } = head;
  const buckets = builder.group(names.bucket, labels, temporality);
  for (const bucket of point.buckets) buckets.add(timestampMs, bucket.count, String(bucket.le));
  buckets.add(timestampMs, point.count, '+Inf');
  builder.group(names.count, labels, temporality).add(timestampMs, point.count);
  if (point.sum !== undefined) builder.group(names.sum, labels, temporality).add(timestampMs, point.sum);
}

/**
 * The classic buckets of an explicit-bounds point, or undefined when its layout is invalid: bucket
 * counts must be one more than the bounds (or both empty), bounds finite and strictly increasing, and
 * the bucket counts must add up to the count.
 */
function explicitClassicPoint(point: OtlpHistogramDataPoint): ClassicPoint | undefined {
  const count = point.count ?? 0;
  const bounds = point.explicitBounds ?? [];
  const counts = point.bucketCounts ?? [];
  if (counts.length === 0 && bounds.length > 0) return undefined;
  if (counts.length > 0 && counts.length !== bounds.length + 1) return undefined;
  if (!bounds.every((bound, i) => Number.isFinite(bound) && (i === 0 || bound > (bounds[i - 1] as number)))) return undefined;
  const buckets: CumulativeBucket[] = [];
  let running = 0;
  counts.forEach((n, i) => {
    running += n;
    const le = bounds[i];
    if (le !== undefined) buckets.push({ le, count: running });
  });
  if (counts.length > 0 && running !== count) return undefined;
  return { buckets, count, sum: point.sum };
}

/**
 * The classic buckets of an exponential point, or undefined when its layout is invalid: the scale
 * must be an integer in [-10, 20], the zero threshold finite and >= 0, and zero count plus positive
 * and negative bucket counts must add up to the count.
 */
function exponentialClassicPoint(point: OtlpExponentialHistogramDataPoint, targetScale: number): ClassicPoint | undefined {
  const layout: ExponentialLayout = {
    scale: point.scale ?? 0,
    zeroCount: point.zeroCount ?? 0,
    zeroThreshold: point.zeroThreshold ?? 0,
    positive: denseBuckets(point.positive),
    negative: denseBuckets(point.negative),
  };
  const count = point.count ?? 0;
  const { scale, zeroThreshold } = layout;
  if (!Number.isInteger(scale) || scale < MIN_EXPONENTIAL_SCALE || scale > MAX_EXPONENTIAL_SCALE) return undefined;
  if (!Number.isFinite(zeroThreshold) || zeroThreshold < 0) return undefined;
  const total = layout.zeroCount + sumOf(layout.positive.counts) + sumOf(layout.negative.counts);
  if (total !== count) return undefined;
  return { buckets: exponentialCumulativeBuckets(layout, targetScale), count, sum: point.sum };
}

function denseBuckets(buckets: OtlpExponentialBuckets | undefined): DenseBuckets {
  return { offset: buckets?.offset ?? 0, counts: buckets?.bucketCounts ?? [] };
}

function sumOf(values: readonly number[]): number {
  return values.reduce((sum, n) => sum + n, 0);
}
