/**
 * What every OTLP data point mapping shares: the metric context, the point's labels and timestamp
 * (rejecting points without a recorded value or without a timestamp), and the temporality enum.
 */
import type { Labels } from '../../series/model.js';
import { attributeLabels } from './otlp-attributes.js';
import { MAX_LABELS_PER_POINT, type IngestBatchBuilder, type PointLabels } from './ingest-batch-builder.js';
import {
  AGGREGATION_TEMPORALITY_CUMULATIVE,
  AGGREGATION_TEMPORALITY_DELTA,
  FLAG_NO_RECORDED_VALUE,
  type OtlpPointBase,
} from './otlp-wire-types.js';

/** One OTLP metric being mapped. */
export interface MetricContext {
  /** The OTLP metric name, for rejection messages. */
  readonly metricName: string;
  /** The UCUM unit, possibly empty. */
  readonly unit: string;
  /** Labels derived from the resource; they win over point attributes of the same name. */
  readonly resourceLabels: Labels;
  readonly builder: IngestBatchBuilder;
  /** Target scale of exponential histograms. */
  readonly exponentialScale: number;
}

/** A data point's labels and time, once it passed the checks every point kind shares. */
export interface PointHead {
  readonly labels: PointLabels;
  readonly timestampMs: number;
}

/**
 * `timeUnixNano` as Unix milliseconds, rounded to the nearest millisecond (a whole-millisecond time
 * stays exact despite the ±128 ns of its double); undefined when absent or 0.
 */
export function nanosToMs(nanos: number | undefined): number | undefined {
  if (nanos === undefined || nanos === 0) return undefined;
  return Math.round(nanos / 1e6);
}

/** The temporality of an `AggregationTemporality` value, or undefined for UNSPECIFIED and unknown values. */
export function temporalityOf(value: number | undefined): 'delta' | 'cumulative' | undefined {
  if (value === AGGREGATION_TEMPORALITY_DELTA) return 'delta';
  if (value === AGGREGATION_TEMPORALITY_CUMULATIVE) return 'cumulative';
  return undefined;
}

/**
 * Labels and timestamp of `point`; rejects it (and returns undefined) when it has no recorded value,
 * no timestamp or more than {@link MAX_LABELS_PER_POINT} labels.
 */
export function pointHead(context: MetricContext, point: OtlpPointBase): PointHead | undefined {
  if (((point.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0) {
    context.builder.reject('no_recorded_value', context.metricName);
    return undefined;
  }
  const timestampMs = nanosToMs(point.timeUnixNano);
  if (timestampMs === undefined) {
    context.builder.reject('missing_timestamp', context.metricName);
    return undefined;
  }
  const labels = Object.assign(attributeLabels(point.attributes), context.resourceLabels);
  if (Object.keys(labels).length > MAX_LABELS_PER_POINT) {
    context.builder.reject('too_many_labels', context.metricName);
    return undefined;
  }
  return { labels: context.builder.pointLabels(labels), timestampMs };
}
