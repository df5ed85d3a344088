/**
 * Maps a decoded OTLP metrics request (either encoding) to the ingest model: every resource's labels,
 * then every metric of every scope by its data kind. The instrumentation scope is not mapped (no
 * `otel_scope_*` labels): shiftguard groups series by service and instance, and scope labels would only
 * split them. Summary metrics are rejected (`summary_unsupported`), a metric without a name too.
 * Exemplars, min/max, start times (resets are found from the values, as `rate()` does), descriptions
 * and metric metadata are not used. Delta temporality is kept as delta (the ingest model accumulates
 * it) where the compatibility specification, written for cumulative-only Prometheus, would convert
 * or drop delta sums and histograms.
 */
import { resourceLabels, type OtlpLabelNames } from './otlp-attributes.js';
import { IngestBatchBuilder, type OtlpDecodeResult } from './ingest-batch-builder.js';
import { mapExponentialHistogram, mapHistogram } from './otlp-histogram-points.js';
import { mapGauge, mapSum } from './otlp-number-points.js';
import type { MetricContext } from './otlp-points.js';
import type { OtlpExportRequest, OtlpMetric } from './otlp-wire-types.js';

/** How the mapping names labels and lays out exponential histograms. */
export interface OtlpMappingOptions {
  readonly labels: OtlpLabelNames;
  /** Target scale every exponential histogram point is downscaled to (see `exponential-buckets.ts`). */
  readonly exponentialScale: number;
}

/** Maps every data point of `request`; never throws for bad points, which are counted as rejected. */
export function mapOtlpRequest(request: OtlpExportRequest, options: OtlpMappingOptions): OtlpDecodeResult {
  const builder = new IngestBatchBuilder();
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const labels = resourceLabels(resourceMetrics.resource, options.labels);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const context: MetricContext = {
          metricName: metric.name ?? '',
          unit: metric.unit ?? '',
          resourceLabels: labels,
          builder,
          exponentialScale: options.exponentialScale,
        };
        mapMetric(context, metric);
      }
    }
  }
  return builder.build();
}

function mapMetric(context: MetricContext, metric: OtlpMetric): void {
  if (context.metricName === '') {
    context.builder.reject('invalid_metric_name', '', pointCount(metric));
  } else if (metric.gauge !== undefined) {
    mapGauge(context, metric.gauge.dataPoints ?? []);
  } else if (metric.sum !== undefined) {
    mapSum(context, metric.sum);
  } else if (metric.histogram !== undefined) {
    mapHistogram(context, metric.histogram.dataPoints ?? [], metric.histogram.aggregationTemporality);
  } else if (metric.exponentialHistogram !== undefined) {
    const histogram = metric.exponentialHistogram;
    mapExponentialHistogram(context, histogram.dataPoints ?? [], histogram.aggregationTemporality);
  } else if (metric.summary !== undefined) {
    context.builder.reject('summary_unsupported', context.metricName, metric.summary.dataPoints?.length ?? 0);
  }
}

function pointCount(metric: OtlpMetric): number {
  const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints?.length ?? 0;
}
