/**
 * A `MetricsSource` over series already in memory (the demo simulator, tests): filters by name and
 * time range like the file and Prometheus sources do.
 */
import type { MetricsData, MetricsSource, RawSeries, SeriesRequest } from '../series/model.js';
import { lowerBound } from '../series/lower-bound.js';

/** Serves `series` (sorted samples) to detection, cut to each request's names and time range. */
export function createMemoryMetricsSource(series: readonly RawSeries[], warnings: readonly string[] = []): MetricsSource {
  return {
    read: (request: SeriesRequest): Promise<MetricsData> => {
      const names = new Set(request.metricNames);
      const out: RawSeries[] = [];
      for (const s of series) {
        if (!names.has(s.name)) continue;
        const from = lowerBound(s.timestampsMs, request.startMs);
        const to = lowerBound(s.timestampsMs, request.endMs + 1);
        if (to <= from) continue;
        out.push({ ...s, timestampsMs: s.timestampsMs.subarray(from, to), values: s.values.subarray(from, to) });
      }
      return Promise.resolve({ series: out, warnings: [...warnings] });
    },
  };
}
