/**
 * Collects the samples an OTLP request maps to into {@link IngestSeries} (one per metric name, label
 * set and temporality, in first-seen order) and counts rejected data points by reason, remembering the
 * first metric each reason hit so the partial-success message can name it.
 */
import type { IngestBatch, IngestSeries, Labels, Temporality } from '../../series/model.js';

/** Why a data point was rejected; each reason's meaning is spelled out in {@link REJECTION_REASONS}. */
export type RejectionReason =
  | 'summary_unsupported'
  | 'non_monotonic_delta_sum'
  | 'unspecified_temporality'
  | 'missing_timestamp'
  | 'missing_value'
  | 'no_recorded_value'
  | 'non_finite_value'
  | 'invalid_buckets'
  | 'invalid_metric_name'
  | 'too_many_labels';

/**
 * Most labels a data point may have (its attributes and the resource's labels); a point with more is
 * rejected as `too_many_labels`. Every series a point makes copies all its labels, and a histogram
 * point makes one per bucket: without a cap, an 89 kB point of 3,000 attributes and 3,000 buckets took
 * 5 s and 600 MB to map. Far above what instrumentation sends (Mimir refuses more than 30 by default).
 */
export const MAX_LABELS_PER_POINT = 128;

/** What each rejection reason means, for the partial-success message sent back to the exporter. */
export const REJECTION_REASONS: Readonly<Record<RejectionReason, string>> = {
  summary_unsupported: 'Summary metrics are not supported; export a histogram (explicit or exponential) instead',
  non_monotonic_delta_sum: 'a non-monotonic Sum with delta temporality has no Prometheus equivalent; export UpDownCounters with cumulative temporality',
  unspecified_temporality: 'aggregationTemporality is unspecified (0) or unknown; it must be 1 (delta) or 2 (cumulative)',
  missing_timestamp: 'timeUnixNano is missing or 0',
  missing_value: 'the point has neither asDouble nor asInt',
  no_recorded_value: 'the point is flagged as having no recorded value',
  non_finite_value: 'a value or sum is NaN or infinite',
  invalid_buckets: 'the buckets are inconsistent (bucket counts vs bounds or total count, bounds not increasing, scale or zero threshold out of range)',
  invalid_metric_name: 'the metric has no name',
  too_many_labels: `the point has more than ${MAX_LABELS_PER_POINT} labels (attributes plus service, instance and version); each of its series would copy them all`,
};

/** The labels of one data point and their canonical key, computed once per point. */
export interface PointLabels {
  readonly labels: Labels;
  readonly key: string;
}

/** Result of decoding one OTLP export request. */
export interface OtlpDecodeResult {
  readonly batch: IngestBatch;
  /** Data points rejected (summed over reasons), for `partial_success.rejected_data_points`. */
  readonly rejectedDataPoints: number;
  /** Human-readable reasons for `partial_success.error_message`; set exactly when points were rejected. */
  readonly errorMessage?: string;
}

interface MutableSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly temporality: Temporality;
  readonly timestampsMs: number[];
  readonly values: number[];
}

/**
 * Numbers for the distinct label names, values and metric names of one request. Keys built from
 * these numbers stay a few bytes per label however long the strings are: keys spelling out the
 * strings made each data point copy them (a 1 MB resource attribute or metric name over 10,000
 * points: 10 GB copied, minutes of CPU or an out-of-memory abort for a 2 MB request).
 */
export class StringNumbers {
  private readonly numbers = new Map<string, number>();

  /** The number of `text`, assigned on first sight; a string object seen before costs no rehashing. */
  of(text: string): number {
    let n = this.numbers.get(text);
    if (n === undefined) this.numbers.set(text, (n = this.numbers.size));
    return n;
  }
}

/**
 * Labels plus a canonical key: the numbers (in `strings`) of the sorted names and of their values, so
 * that equal label sets get equal keys, different ones different keys, within one request.
 */
export function pointLabels(labels: Labels, strings: StringNumbers): PointLabels {
  let key = '';
  for (const name of Object.keys(labels).sort()) key += `${strings.of(name)}=${strings.of(labels[name] as string)},`;
  return { labels, key };
}

/**
 * The series of one metric name, label set and temporality, told apart by `le` (histogram buckets);
 * looked up once per data point so that adding each bucket's sample costs one small-map lookup.
 */
export class SeriesGroup {
  private readonly byLe = new Map<string, MutableSeries>();

  constructor(
    private readonly name: string,
    private readonly point: PointLabels,
    private readonly temporality: Temporality,
    private readonly all: MutableSeries[],
  ) {}

  /** Adds one sample to `name{labels}`, or to `name{labels, le}` when `le` is given. */
  add(timestampMs: number, value: number, le?: string): void {
    let series = this.byLe.get(le ?? '');
    if (series === undefined) {
      const labels = le === undefined ? this.point.labels : { ...this.point.labels, le };
      series = { name: this.name, labels, temporality: this.temporality, timestampsMs: [], values: [] };
      this.byLe.set(le ?? '', series);
      this.all.push(series);
    }
    series.timestampsMs.push(timestampMs);
    series.values.push(value);
  }
}

/** Accumulates samples and rejections of one request. */
export class IngestBatchBuilder {
  private readonly series: MutableSeries[] = [];
  /** Numbers of the request's label and metric name strings, for short keys. */
  private readonly strings = new StringNumbers();
  /** Series groups by point label key, then by metric name number and temporality. */
  private readonly groups = new Map<string, Map<string, SeriesGroup>>();
  private readonly rejected = new Map<RejectionReason, number>();
  private readonly firstMetric = new Map<RejectionReason, string>();
  private acceptedPoints = 0;

  /** The {@link PointLabels} of `labels`, keyed by this builder's string numbers. */
  pointLabels(labels: Labels): PointLabels {
    return pointLabels(labels, this.strings);
  }

  /**
   * The series group `name{point labels}` with the given temporality, created on first use. Pass the
   * same `name` string for every point of a metric (not one built per point): it is hashed once.
   */
  group(name: string, point: PointLabels, temporality: Temporality): SeriesGroup {
    let ofPoint = this.groups.get(point.key);
    if (ofPoint === undefined) {
      ofPoint = new Map();
      this.groups.set(point.key, ofPoint);
    }
    const key = `${this.strings.of(name)}:${temporality}`;
    let group = ofPoint.get(key);
    if (group === undefined) {
      group = new SeriesGroup(name, point, temporality, this.series);
      ofPoint.set(key, group);
    }
    return group;
  }

  /** Counts one accepted OTLP data point (it may have produced many samples). */
  accept(): void {
    this.acceptedPoints += 1;
  }

  /** Counts `count` rejected data points of OTLP metric `metricName`. */
  reject(reason: RejectionReason, metricName: string, count = 1): void {
    if (count <= 0) return;
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + count);
    if (!this.firstMetric.has(reason)) this.firstMetric.set(reason, metricName);
  }

  /** The batch, the rejected count and, when points were rejected, the message explaining why. */
  build(): OtlpDecodeResult {
    const series: IngestSeries[] = [...this.series];
    const rejectedDataPoints = [...this.rejected.values()].reduce((sum, n) => sum + n, 0);
    const batch: IngestBatch = { series, rejected: new Map(this.rejected) };
    if (rejectedDataPoints === 0) return { batch, rejectedDataPoints };
    return { batch, rejectedDataPoints, errorMessage: this.message(rejectedDataPoints) };
  }

  private message(rejectedDataPoints: number): string {
    const total = rejectedDataPoints + this.acceptedPoints;
    const reasons = [...this.rejected].map(([reason, count]) => {
      const metric = this.firstMetric.get(reason) ?? '';
      return `${reason}: ${count} (first in metric ${JSON.stringify(metric)}: ${REJECTION_REASONS[reason]})`;
    });
    return `rejected ${rejectedDataPoints} of ${total} data points; ${reasons.join('; ')}`;
  }
}
