/**
 * Onset: when a shift began on each instance, from a single change point in the event rate of
 * the statistic that regressed (the share of requests above the tested bound, or retries per
 * request). The whole profile likelihood is kept: attribution weighs it against rollout times.
 *
 * Two corrections keep the profile honest on real traffic: with concurrent controls, each slice's
 * exposure is scaled by the controls' rate at that time relative to their baseline (a load or
 * time-of-day change common to all instances is then no change at all); and the likelihood is
 * tempered by the variance inflation of slow drifts (a Poisson likelihood reads a drift excursion
 * of many slices as a decisive step).
 */
import { BASE, CTRL, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import { changePointProfile } from './stats/change-point.js';
import { driftTempering, fitSerialCorrelation } from './serial-correlation.js';
import type { SliceGrid } from '../series/model.js';
import type { Design } from './resample-plan.js';

/** Change-point evidence of one instance. */
export interface InstanceOnset {
  readonly instance: string;
  /** Start of the most likely first slice of the new regime, ms. */
  readonly onsetMs: number;
  /** Log-likelihood (relative, tempered) of the new regime starting at each slice; -Infinity where not allowed. */
  readonly logLik: Float64Array;
  readonly rateBefore: number;
  readonly rateAfter: number;
}

/** Typical segment length (slices) over which a drift's variance inflation is judged. */
const SEGMENT_SLICES = 20;

/**
 * Estimates the onset on every instance that has an after window, using its slices from the
 * start of the grid to the end of its after window (baseline, settle and after included).
 */
export function estimateOnsets(panel: CountPanel, context: OnsetContext, options: { minSegment?: number } = {}): InstanceOnset[] {
  const { tempering, exposureFactor: controlFactor } = context;
  const onsets: InstanceOnset[] = [];
  for (const row of panel.instances) {
    const last = row.track.state.lastIndexOf(TREAT);
    if (last < 0) continue;
    const exposure = row.n.slice(0, last + 1);
    if (controlFactor !== null) for (let t = 0; t <= last; t++) exposure[t] = (exposure[t] ?? 0) * (controlFactor[t] ?? 1);
    const profile = changePointProfile(row.y.subarray(0, last + 1), exposure, { minSegment: options.minSegment ?? 3 });
    if (profile.best < 0) continue;
    const logLik = new Float64Array(panel.grid.count).fill(-Infinity);
    for (let t = 0; t <= last; t++) logLik[t] = (profile.logLik[t] ?? -Infinity) / Math.max(1, tempering);
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

/** How change-point likelihoods of a panel are tempered, and the controls' exposure factor (DiD only). */
export interface OnsetContext {
  readonly tempering: number;
  readonly exposureFactor: Float64Array | null;
}

/** The onset context of `panel`: computed once, shared by the onsets and the event study. */
export function onsetContext(panel: CountPanel, design: Design): OnsetContext {
  return {
    tempering: driftTempering(fitSerialCorrelation(panel, [BASE, TREAT]), SEGMENT_SLICES),
    exposureFactor: design === 'difference-in-differences' ? controlRateFactor(panel) : null,
  };
}

/**
 * Per slice, the rate of the instances that are controls or still in baseline at that time,
 * relative to their baseline rate (1 where there are none): the common movement to factor out.
 */
function controlRateFactor(panel: CountPanel): Float64Array {
  const controls = panel.instances.filter((row) => row.track.state.includes(CTRL));
  // A control counts at every slice before its own first rollout (never-upgraded: every slice),
  // including the gap between the upgrade start and the first after window.
  const until = controls.map((row) => (row.track.upgradedFromMs === null ? Infinity : sliceOf(panel.grid, row.track.upgradedFromMs)));
  let yb = 0;
  let nb = 0;
  for (const row of controls) {
    for (let t = 0; t < panel.grid.count; t++) {
      if (row.track.state[t] !== BASE) continue;
      yb += row.y[t] ?? 0;
      nb += row.n[t] ?? 0;
    }
  }
  const factor = new Float64Array(panel.grid.count).fill(1);
  if (yb <= 0 || nb <= 0) return factor;
  const baseRate = yb / nb;
  for (let t = 0; t < panel.grid.count; t++) {
    let y = 0;
    let n = 0;
    controls.forEach((row, i) => {
      if (t >= (until[i] ?? Infinity)) return;
      y += row.y[t] ?? 0;
      n += row.n[t] ?? 0;
    });
    if (n > 0 && y > 0) factor[t] = y / n / baseRate;
  }
  return factor;
}

/** The group's onset: the median of its instances' onsets (ms), or null when none. */
export function groupOnsetMs(onsets: readonly InstanceOnset[]): number | null {
  if (onsets.length === 0) return null;
  const sorted = onsets.map((o) => o.onsetMs).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Which slice holds `tMs` (may be outside the grid). */
export function sliceOf(grid: SliceGrid, tMs: number): number {
  return Math.floor((tMs - grid.startMs) / grid.sliceMs);
}
