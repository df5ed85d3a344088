/**
 * Mapping of decoded remote-write time series to the ingest model: temporality from the metadata
 * (this request's, remembered with earlier requests' in a {@link MetricTypeMemory}) or the name, and
 * the per-sample rejections of the mapping (`stale_marker`, `native_histogram_unsupported`,
 * `missing_metric_name`, `non_finite_value` in a cumulative series). Shared by
 * {@link decodeRemoteWrite} and the receiver's fast path (`ingest-remote-write.ts`).
 */
import type { IngestSeries, Temporality } from '../../series/model.js';
import { metricTypeOf, resolveTemporality } from './remote-write-temporality.js';
import type { MetricType, MetricTypeMemory } from './remote-write-temporality.js';
import type { DecodedMetricMetadata, DecodedTimeSeries } from './write-request-reader.js';

/**
 * Records this request's `metadata` in `memory` (a request-local map without one) and returns a
 * per-request temporality resolver over it, caching one answer per metric name.
 */
export function temporalityResolver(metadata: readonly DecodedMetricMetadata[], memory: MetricTypeMemory | undefined): (name: string) => Temporality {
  const target = memory ?? new Map<string, MetricType>();
  for (const { type, familyName } of metadata) {
    const metricType = metricTypeOf(type);
    if (metricType !== undefined && familyName !== '') target.set(familyName, metricType);
  }
  const lookup = (familyName: string): MetricType | undefined => target.get(familyName);
  const temporalities = new Map<string, Temporality>();
  return (name) => {
    let temporality = temporalities.get(name);
    if (temporality === undefined) temporalities.set(name, (temporality = resolveTemporality(name, lookup)));
    return temporality;
  };
}

/**
 * The {@link IngestSeries} of one decoded time series, or undefined when nothing of it remains;
 * counts what the mapping rejects in `rejected`.
 */
export function mapTimeSeries(decoded: DecodedTimeSeries, rejected: Map<string, number>, temporalityOf: (name: string) => Temporality): IngestSeries | undefined {
  countRejected(rejected, 'stale_marker', decoded.staleMarkers);
  countRejected(rejected, 'native_histogram_unsupported', decoded.histograms);
  if (decoded.name === undefined) {
    countRejected(rejected, 'missing_metric_name', decoded.values.length);
    return undefined;
  }
  const temporality = temporalityOf(decoded.name);
  let { timestampsMs, values } = decoded;
  if (temporality !== 'gauge' && !values.every(Number.isFinite)) {
    const finite = values.map(Number.isFinite);
    countRejected(rejected, 'non_finite_value', finite.filter((ok) => !ok).length);
    timestampsMs = timestampsMs.filter((_, i) => finite[i]);
    values = values.filter((_, i) => finite[i]);
  }
  if (values.length === 0) return undefined;
  return { name: decoded.name, labels: decoded.labels, temporality, timestampsMs, values };
}

/** Adds `n` (when positive) to the count of `reason`. */
export function countRejected(rejected: Map<string, number>, reason: string, n: number): void {
  if (n > 0) rejected.set(reason, (rejected.get(reason) ?? 0) + n);
}
