/**
 * The metrics source of the service's analyses: pushed data (the in-memory series store) and the
 * optional pull source (a Prometheus-compatible API, read anew at every evaluation).
 *
 * Pushed data is used when the store holds any of the series asked for and covers the requested
 * window: its earliest pushed sample (since this process started; what was pushed before a restart
 * is gone) is no later than the window's start. Otherwise the pull source answers, which is how
 * windows are rebuilt after a restart; without one, the pushed data is used as it is, with a
 * warning that says what is missing.
 */
import type { MetricsData, MetricsSource } from '../series/model.js';
import { LOOKBACK_MS } from './run-analysis.js';

export interface AnalysisSourceOptions {
  readonly pushed: MetricsSource;
  readonly pull: MetricsSource | null;
  /** Timestamp of the earliest sample pushed since this process started, ms (Infinity: none yet). */
  readonly pushedSinceMs: () => number;
}

/** Combines pushed and pulled data as described above. */
export function createAnalysisSource(options: AnalysisSourceOptions): MetricsSource {
  const { pushed, pull } = options;
  return {
    read: async (request): Promise<MetricsData> => {
      const data = await pushed.read(request);
      // Requests start LOOKBACK_MS before the baseline (a sample to difference against); the
      // baseline itself must be covered.
      const since = options.pushedSinceMs();
      const covered = since <= request.startMs + LOOKBACK_MS;
      if (data.series.length > 0 && covered) return data;
      if (pull !== null) return pull.read(request);
      if (data.series.length === 0 || covered) return data;
      return {
        series: data.series,
        warnings: [
          ...data.warnings,
          `pushed data only goes back to ${new Date(since).toISOString()} (what was pushed before the service started is gone); the window begins earlier ` +
            `(${new Date(request.startMs).toISOString()}) and no pull source (prometheus.url) is configured to rebuild it`,
        ],
      };
    },
  };
}
