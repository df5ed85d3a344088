/**
 * Onset: when a shift began on each instance, from a single change point in the event rate of
 * the statistic that regressed (the share of requests above the tested bound, or retries per
 * request). The whole profile likelihood is kept: attribution weighs it against rollout times.
 */
import { TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import { changePointProfile } from './stats/change-point.js';
import type { SliceGrid } from '../series/model.js';

/** Change-point evidence of one instance. */
export interface InstanceOnset {
  readonly instance: string;
  /** Start of the most likely first slice of the new regime, ms. */
  readonly onsetMs: number;
  /** Log-likelihood (relative, dispersion-tempered) of the new regime starting at each slice; -Infinity where not allowed. */
  readonly logLik: Float64Array;
  readonly rateBefore: number;
  readonly rateAfter: number;
}

/**
 * Estimates the onset on every instance that has an after window, using its slices from the
 * start of the grid to the end of its after window (baseline, settle and after included).
 */
export function estimateOnsets(panel: CountPanel, options: { minSegment?: number } = {}): InstanceOnset[] {
  const onsets: InstanceOnset[] = [];
  for (const row of panel.instances) {
    const last = row.track.state.lastIndexOf(TREAT);
    if (last < 0) continue;
    const profile = changePointProfile(row.y.subarray(0, last + 1), row.n.subarray(0, last + 1), { minSegment: options.minSegment ?? 3 });
    if (profile.best < 0) continue;
    const logLik = new Float64Array(panel.grid.count).fill(-Infinity);
    logLik.set(profile.logLik);
    onsets.push({
      instance: row.track.instance,
      onsetMs: panel.grid.startMs + profile.best * panel.grid.sliceMs,
      logLik,
      rateBefore: profile.rateBefore,
      rateAfter: profile.rateAfter,
    });
  }
  return onsets;
}

/** The group's onset: the median of its instances' onsets (ms), or null when none. */
export function groupOnsetMs(onsets: readonly InstanceOnset[]): number | null {
  if (onsets.length === 0) return null;
  const sorted = onsets.map((o) => o.onsetMs).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Grid helper re-exported for attribution: which slice holds `tMs` (may be outside the grid). */
export function sliceOf(grid: SliceGrid, tMs: number): number {
  return Math.floor((tMs - grid.startMs) / grid.sliceMs);
}
