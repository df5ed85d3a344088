/**
 * The one internal sample model every ingest path maps to, and the per-slice views detection reads.
 * Wire formats (OpenMetrics text, Prometheus API JSON, remote-write, OTLP) never leak past ingest/.
 */

/** Label set of one series, metric name excluded (for buckets it includes `le`). */
export type Labels = Readonly<Record<string, string>>;

/**
 * One raw series as read from a file or a Prometheus-compatible API: samples sorted by time,
 * timestamps strictly increasing. Counters and histogram buckets are cumulative, as exposed.
 */
export interface RawSeries {
  /** Metric name exactly as exposed, suffix included (`…_bucket`, `…_total`, `…_count`). */
  readonly name: string;
  readonly labels: Labels;
  /** Unix epoch milliseconds, strictly increasing. */
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  /** Where the series was first seen, for messages: `file.om:123` or `prometheus: <query>`. */
  readonly origin: string;
}

/** What an ingest path returns: the series it read plus every warning it raised (never dropped silently). */
export interface MetricsData {
  readonly series: RawSeries[];
  readonly warnings: string[];
  /**
   * The series' typed arrays are fresh, each the whole of its own buffer, and the source keeps no
   * reference to them: the reader may move them to another thread instead of copying them.
   * Absent: they may be views of the source's own data (copy them).
   */
  readonly owned?: true;
}

/** What detection asks a metrics source for. */
export interface SeriesRequest {
  /** Exact metric names to read, suffix included. */
  readonly metricNames: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
}

/** Port: anything that can produce raw series for a time range (files, a Prometheus API, the in-memory store). */
export interface MetricsSource {
  read(request: SeriesRequest): Promise<MetricsData>;
}

/** A regular grid of time slices: slice k covers [startMs + k*sliceMs, startMs + (k+1)*sliceMs). */
export interface SliceGrid {
  readonly startMs: number;
  readonly sliceMs: number;
  readonly count: number;
}

/** Start time (ms) of slice `k`. */
export function sliceStartMs(grid: SliceGrid, k: number): number {
  return grid.startMs + k * grid.sliceMs;
}

/** Canonical string key of a label set (sorted names), for maps. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/**
 * How a pushed series' values accumulate: `cumulative` counters (Prometheus, OTLP cumulative sums
 * and histograms: the store differences them, handling resets as `rate()` does), `delta` increments
 * (OTLP delta temporality: each value is the increase since the previous point), or `gauge` values.
 */
export type Temporality = 'cumulative' | 'delta' | 'gauge';

/**
 * One series of a pushed batch, mapped at the ingest edge to Prometheus conventions: histograms as
 * `<name>_bucket{le}` (cumulative over `le`), `_count` and `_sum`; monotonic sums as `<name>_total`.
 */
export interface IngestSeries {
  readonly name: string;
  readonly labels: Labels;
  readonly temporality: Temporality;
  /** Unix epoch milliseconds, one per value (not necessarily sorted). */
  readonly timestampsMs: readonly number[];
  readonly values: readonly number[];
}

/** What one push decoded to: the accepted series and counts of what was rejected, by reason. */
export interface IngestBatch {
  readonly series: IngestSeries[];
  /** Rejected samples or data points by reason (e.g. `nan_value`, `unsupported_type`); never dropped silently. */
  readonly rejected: ReadonlyMap<string, number>;
}
