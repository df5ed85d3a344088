/**
 * OTLP Gauge and Sum metrics as Prometheus series: a Gauge, and a non-monotonic cumulative Sum, become a
 * gauge; a monotonic Sum becomes the counter `<name>_total` with the Sum's temporality (cumulative or
 * delta). A non-monotonic delta Sum has no Prometheus equivalent and is rejected, as the compatibility
 * specification drops it.
 */
import type { Temporality } from '../../series/model.js';
import { pointHead, temporalityOf, type MetricContext } from './otlp-points.js';
import type { OtlpNumberDataPoint, OtlpSum } from './otlp-wire-types.js';
import { prometheusMetricName } from './prometheus-naming.js';

/** Maps the points of a Gauge metric. */
export function mapGauge(context: MetricContext, points: readonly OtlpNumberDataPoint[]): void {
  mapNumberPoints(context, points, prometheusMetricName(context.metricName, context.unit, 'gauge'), 'gauge');
}

/** Maps the points of a Sum metric (see the module header). */
export function mapSum(context: MetricContext, sum: OtlpSum): void {
  const points = sum.dataPoints ?? [];
  const temporality = temporalityOf(sum.aggregationTemporality);
  if (temporality === undefined) {
    context.builder.reject('unspecified_temporality', context.metricName, points.length);
  } else if (sum.isMonotonic === true) {
    mapNumberPoints(context, points, prometheusMetricName(context.metricName, context.unit, 'counter'), temporality);
  } else if (temporality === 'cumulative') {
    mapGauge(context, points);
  } else {
    context.builder.reject('non_monotonic_delta_sum', context.metricName, points.length);
  }
}

function mapNumberPoints(context: MetricContext, points: readonly OtlpNumberDataPoint[], name: string, temporality: Temporality): void {
  const { builder } = context;
  for (const point of points) {
    const head = pointHead(context, point);
    if (head === undefined) continue;
    const value = point.asDouble ?? point.asInt;
    if (value === undefined) {
      builder.reject('missing_value', context.metricName);
    } else if (!Number.isFinite(value)) {
      builder.reject('non_finite_value', context.metricName);
    } else {
      builder.group(name, head.labels, temporality).add(head.timestampMs, value);
      builder.accept();
    }
  }
}
