/**
 * How a remote-written series accumulates, from the `MetricMetadata` a sender sends (TYPE per metric
 * family) or, without metadata, from the name. Prometheus 2.x sends metadata in separate requests (every
 * `metadata_config.send_interval`), so the types are kept across requests in a bounded
 * {@link MetricTypeMemory} owned by the caller.
 *
 * With a type: counter (`foo_total`, or `foo` itself in the text format), histogram `_bucket`, `_count`
 * and `_sum`, and summary `_count` and `_sum` are cumulative; gauges, summary quantiles, gauge
 * histograms, info, stateset and `_created` series are gauges. Without one (or `unknown`): names ending
 * in `_total`, `_bucket`, `_count` or `_sum` are cumulative, all others gauges.
 */
import type { Temporality } from '../../series/model.js';

/** `prometheus.MetricMetadata.MetricType`, by enum number. */
export const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const;

/** A metric family type as remote-write metadata names it. */
export type MetricType = (typeof METRIC_TYPES)[number];

/** Metric family name → declared type, kept across requests. */
export interface MetricTypeMemory {
  get(familyName: string): MetricType | undefined;
  set(familyName: string, type: MetricType): void;
}

/**
 * A {@link MetricTypeMemory} holding at most `maxFamilies` families; when full, the family recorded
 * longest ago is forgotten first (senders repeat their metadata every send interval).
 */
export function createMetricTypeMemory(maxFamilies: number): MetricTypeMemory {
  if (!Number.isInteger(maxFamilies) || maxFamilies < 1) throw new RangeError(`maxFamilies must be a positive integer, got ${maxFamilies}`);
  const types = new Map<string, MetricType>();
  return {
    get: (familyName) => types.get(familyName),
    set(familyName, type) {
      types.delete(familyName);
      types.set(familyName, type);
      if (types.size > maxFamilies) {
        const oldest = types.keys().next().value;
        if (oldest !== undefined) types.delete(oldest);
      }
    },
  };
}

/** The {@link MetricType} of an enum number; undefined for numbers this version does not know. */
export function metricTypeOf(enumNumber: number): MetricType | undefined {
  return METRIC_TYPES[enumNumber];
}

const CUMULATIVE_SUFFIXES = ['_total', '_bucket', '_count', '_sum'];
const FAMILY_SUFFIXES = ['_total', '_bucket', '_count', '_sum', '_created', '_gcount', '_gsum', '_info'];

/** Temporality of the series named `name`, given the declared family types (`lookup` returns undefined when unknown). */
export function resolveTemporality(name: string, lookup: (familyName: string) => MetricType | undefined): Temporality {
  const exact = lookup(name);
  if (exact !== undefined && exact !== 'unknown') return exact === 'counter' ? 'cumulative' : 'gauge';
  for (const suffix of FAMILY_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = lookup(name.slice(0, -suffix.length));
    if (family !== undefined && family !== 'unknown') return temporalityOfPart(family, suffix);
  }
  return CUMULATIVE_SUFFIXES.some((suffix) => name.endsWith(suffix)) ? 'cumulative' : 'gauge';
}

function temporalityOfPart(familyType: MetricType, suffix: string): Temporality {
  switch (familyType) {
    case 'counter':
      return suffix === '_total' ? 'cumulative' : 'gauge';
    case 'histogram':
      return suffix === '_bucket' || suffix === '_count' || suffix === '_sum' ? 'cumulative' : 'gauge';
    case 'summary':
      return suffix === '_count' || suffix === '_sum' ? 'cumulative' : 'gauge';
    default:
      return 'gauge';
  }
}
