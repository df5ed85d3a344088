/**
 * Per-slice views of raw series: the increase of a cumulative counter in each time slice (resets
 * handled as Prometheus' `increase()` does: a decrease means the counter restarted from 0), and the
 * last value of a gauge in each slice.
 */
import type { RawSeries, SliceGrid } from './model.js';
import { lowerBound } from './lower-bound.js';

/** Result of {@link counterIncrements}. */
export interface CounterIncrements {
  /** Increase of the counter attributed to each slice (counter units). */
  readonly increments: Float64Array;
  /** 1 when some interval between two consecutive samples overlaps the slice, else 0. */
  readonly covered: Uint8Array;
  /** Number of counter resets (decreases) among the intervals that overlap the grid. */
  readonly resets: number;
  /** Longest interval (ms) between consecutive samples among those that overlap the grid; 0 if none. */
  readonly maxGapMs: number;
}

/**
 * Per-slice increase of the cumulative counter `series` over `grid`. The delta between consecutive
 * samples (the new value itself after a reset, as in Prometheus' `rate()`/`increase()`, without
 * extrapolation) is spread over the slices that the interval [t_prev, t_cur] overlaps, in proportion
 * to the overlap, so totals are exact and a delta spanning a slice boundary is split. Intervals
 * reaching outside the grid contribute only their in-grid part. Non-finite values are skipped.
 */
export function counterIncrements(series: RawSeries, grid: SliceGrid): CounterIncrements {
  const increments = new Float64Array(grid.count);
  const covered = new Uint8Array(grid.count);
  const gridEndMs = grid.startMs + grid.count * grid.sliceMs;
  const ts = series.timestampsMs;
  const values = series.values;
  let resets = 0;
  let maxGapMs = 0;
  let prev = firstFiniteAtOrBefore(series, lastIndexBefore(ts, grid.startMs));
  for (let i = prev + 1; i < ts.length; i++) {
    const value = values[i] ?? NaN;
    if (!Number.isFinite(value)) continue;
    if (prev < 0) {
      prev = i;
      continue;
    }
    const fromMs = ts[prev] ?? 0;
    if (fromMs >= gridEndMs) break;
    const previousValue = values[prev] ?? 0;
    prev = i;
    const toMs = ts[i] ?? 0;
    if (toMs <= grid.startMs) continue;
    if (value < previousValue) resets++;
    maxGapMs = Math.max(maxGapMs, toMs - fromMs);
    spread(grid, increments, covered, fromMs, toMs, value >= previousValue ? value - previousValue : value);
  }
  return { increments, covered, resets, maxGapMs };
}

/** Adds `delta` over [fromMs, toMs] to the slices it overlaps, proportionally to the overlap. */
function spread(grid: SliceGrid, increments: Float64Array, covered: Uint8Array, fromMs: number, toMs: number, delta: number): void {
  const lengthMs = toMs - fromMs;
  const first = Math.max(0, Math.floor((fromMs - grid.startMs) / grid.sliceMs));
  const last = Math.min(grid.count - 1, Math.floor((toMs - grid.startMs) / grid.sliceMs));
  for (let k = first; k <= last; k++) {
    const sliceStartMs = grid.startMs + k * grid.sliceMs;
    const overlapMs = Math.min(toMs, sliceStartMs + grid.sliceMs) - Math.max(fromMs, sliceStartMs);
    if (overlapMs <= 0) continue;
    increments[k] = (increments[k] ?? 0) + (delta * overlapMs) / lengthMs;
    covered[k] = 1;
  }
}

/** Index of the last sample with timestamp < `tMs`, or -1. */
function lastIndexBefore(ts: Float64Array, tMs: number): number {
  return lowerBound(ts, tMs) - 1;
}

/** Walks back from `i` to the nearest sample with a finite value, or -1. */
function firstFiniteAtOrBefore(series: RawSeries, i: number): number {
  while (i >= 0 && !Number.isFinite(series.values[i] ?? NaN)) i--;
  return i;
}

/**
 * Last value of `series` in each slice of `grid` (the sample with the greatest timestamp inside the
 * slice), NaN for slices without a sample. Meant for build-info style gauges.
 */
export function gaugeAt(series: RawSeries, grid: SliceGrid): Float64Array {
  const out = new Float64Array(grid.count).fill(NaN);
  const ts = series.timestampsMs;
  for (let i = lastIndexBefore(ts, grid.startMs) + 1; i < ts.length; i++) {
    const k = Math.floor(((ts[i] ?? 0) - grid.startMs) / grid.sliceMs);
    if (k >= grid.count) break;
    out[k] = series.values[i] ?? NaN;
  }
  return out;
}
