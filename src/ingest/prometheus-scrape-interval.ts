/**
 * Discovers the scrape interval of a metric on a Prometheus-compatible server: finds a time inside
 * the range where the metric has data (a coarse `count_over_time` probe), reads the raw samples of
 * a 10-minute window that holds that probe step and as much of the range after it as fits (an
 * instant query of a range selector, `name[10m]`), and takes the median spacing of their
 * timestamps. Falls back to 15 s when there is nothing to measure.
 */
import { decodeMatrix } from './prometheus-json.js';
import type { MatrixSeries } from './prometheus-json.js';
import { toApiSeconds } from './prometheus-query-runner.js';
import type { QueryRunner } from './prometheus-query-runner.js';

/** Interval (ms) assumed when none can be measured: Prometheus' most common scrape interval. */
export const FALLBACK_SCRAPE_INTERVAL_MS = 15_000;

/** Probe resolution: at most about this many steps over the requested range. */
const PROBE_STEPS = 250;
const RAW_WINDOW_SECONDS = 600;

/** What {@link discoverScrapeInterval} found. */
export interface ScrapeInterval {
  /** Median spacing of raw samples (ms), or {@link FALLBACK_SCRAPE_INTERVAL_MS}. */
  readonly intervalMs: number;
  /** Timestamp (epoch ms) of one raw sample, to align evaluation times with scrapes; undefined if none seen. */
  readonly phaseMs: number | undefined;
  /** False when the fallback was used. */
  readonly measured: boolean;
}

/** Measures the scrape interval of metric `name` within [startMs, endMs]. */
export async function discoverScrapeInterval(runner: QueryRunner, name: string, startMs: number, endMs: number): Promise<ScrapeInterval> {
  const probeStepSeconds = Math.max(60, Math.ceil((endMs - startMs) / 1000 / PROBE_STEPS));
  const probeQuery = `count(count_over_time(${name}[${probeStepSeconds}s]))`;
  const probe = await runner.run(
    'POST',
    'query_range',
    { query: probeQuery, start: toApiSeconds(startMs), end: toApiSeconds(endMs), step: String(probeStepSeconds) },
    `query_range ${probeQuery}`,
    decodeMatrix,
  );
  const timeMs = probe[0]?.timestampsMs.at(-1);
  if (timeMs === undefined) return { intervalMs: FALLBACK_SCRAPE_INTERVAL_MS, phaseMs: undefined, measured: false };
  const windowSeconds = Math.max(RAW_WINDOW_SECONDS, probeStepSeconds);
  const rawQuery = windowSeconds === RAW_WINDOW_SECONDS ? `${name}[10m]` : `${name}[${windowSeconds}s]`;
  // The probe point may be the range's first one with data (a short range): evaluate the raw window
  // later, so it reaches forward over the range instead of holding a single sample.
  const rawTimeMs = Math.max(timeMs, Math.min(endMs, timeMs + (windowSeconds - probeStepSeconds) * 1000));
  const raw = await runner.run('POST', 'query', { query: rawQuery, time: toApiSeconds(rawTimeMs) }, `query ${rawQuery}`, decodeMatrix);
  const median = medianSpacingMs(raw);
  const phaseMs = raw.find((s) => s.timestampsMs.length > 0)?.timestampsMs.at(-1);
  if (median === undefined) return { intervalMs: FALLBACK_SCRAPE_INTERVAL_MS, phaseMs, measured: false };
  return { intervalMs: Math.max(1, Math.round(median)), phaseMs, measured: true };
}

/** Median of the positive spacings between consecutive raw sample timestamps of all series (ms). */
export function medianSpacingMs(series: readonly MatrixSeries[]): number | undefined {
  const gaps: number[] = [];
  for (const s of series) {
    for (let i = 1; i < s.timestampsMs.length; i++) {
      const gap = (s.timestampsMs[i] ?? 0) - (s.timestampsMs[i - 1] ?? 0);
      if (gap > 0) gaps.push(gap);
    }
  }
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >>> 1;
  return gaps.length % 2 === 1 ? gaps[mid] : ((gaps[mid - 1] ?? 0) + (gaps[mid] ?? 0)) / 2;
}
