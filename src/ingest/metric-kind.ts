/**
 * Classifies an exposed sample name (`foo_total`, `foo_bucket`, …) using the `# TYPE` declarations
 * seen so far, in both the OpenMetrics convention (TYPE names the family: `foo`) and the Prometheus
 * text convention (TYPE may name the sample itself: `foo_total`).
 */

/** Metric types accepted in `# TYPE` lines (OpenMetrics 1.0 plus Prometheus' `untyped`). */
export const METRIC_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
  'untyped',
]);

/** Types that exist only in OpenMetrics, so their presence marks a file as OpenMetrics. */
export const OPENMETRICS_ONLY_TYPES: ReadonlySet<string> = new Set(['gaugehistogram', 'info', 'stateset', 'unknown']);

/** How ingest treats the samples of one series. */
export interface MetricKind {
  /** Cumulative over time (counter, histogram bucket / count): NaN is invalid, a decrease is a reset. */
  readonly cumulative: boolean;
  /** A histogram bucket: has an `le` label that is normalised, and its histogram needs an `+Inf` bucket. */
  readonly bucket: boolean;
}

const COUNTER: MetricKind = { cumulative: true, bucket: false };
const BUCKET: MetricKind = { cumulative: true, bucket: true };
const GAUGE_BUCKET: MetricKind = { cumulative: false, bucket: true };
const OTHER: MetricKind = { cumulative: false, bucket: false };

const UNTYPED = new Set(['unknown', 'untyped']);
const SUFFIXES = ['_total', '_bucket', '_count', '_sum', '_created', '_gcount', '_gsum', '_info'];

/** Kind of the series named `name`, given the declared types (family or sample name → type). */
export function resolveMetricKind(name: string, types: ReadonlyMap<string, string>): MetricKind {
  const exact = types.get(name);
  if (exact === 'counter') return COUNTER;
  if (exact !== undefined && !UNTYPED.has(exact)) return OTHER;
  for (const suffix of SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = types.get(name.slice(0, -suffix.length));
    if (family !== undefined && !UNTYPED.has(family)) return kindOfSuffix(family, suffix);
  }
  if (name.endsWith('_total')) return COUNTER;
  if (name.endsWith('_bucket')) return BUCKET;
  return OTHER;
}

function kindOfSuffix(familyType: string, suffix: string): MetricKind {
  if (familyType === 'counter') return suffix === '_total' ? COUNTER : OTHER;
  if (familyType === 'histogram') {
    if (suffix === '_bucket') return BUCKET;
    return suffix === '_count' ? COUNTER : OTHER;
  }
  if (familyType === 'gaugehistogram') return suffix === '_bucket' ? GAUGE_BUCKET : OTHER;
  if (familyType === 'summary') return suffix === '_count' ? COUNTER : OTHER;
  return OTHER;
}
