/**
 * Event-study alignment for attribution: each instance's series is shifted so that a candidate
 * binary's rollout on that instance sits at offset 0, standardised by the instance's own baseline
 * rate (and, with concurrent controls, by the controls' movement), and pooled over instances. A
 * shift caused by the binary then stands as one sharp step at offset 0, while independent
 * per-instance drifts average out; with the wrong binary (or a shift that predates the upgrade)
 * the step is smeared over many offsets.
 */
import { BASE, TREAT, stateTotals } from '../detect/panel.js';
import type { CountPanel } from '../detect/panel.js';
import { changePointProfile } from '../detect/stats/change-point.js';
import { sliceOf } from '../detect/onset.js';

/** Change-point log-likelihood per offset of the aligned, pooled series. */
export interface AlignedProfile {
  readonly logLik: Float64Array;
  /** Index in `logLik` of offset 0 (the slice holding each instance's rollout). */
  readonly zeroIndex: number;
  readonly instances: number;
}

export interface AlignmentOptions {
  /** Per-slice factor on the exposure (the controls' rate movement), or null. */
  readonly exposureFactor: Float64Array | null;
  /** Divisor of the log-likelihood for slow drifts (≥ 1). */
  readonly tempering: number;
}

/**
 * Aligns the instances of `panel` that have a rollout time in `rolloutAtMs` and an after window,
 * pools them per offset, and returns the tempered change-point profile; null when no instance
 * qualifies.
 */
export function alignedProfile(panel: CountPanel, rolloutAtMs: ReadonlyMap<string, number>, options: AlignmentOptions): AlignedProfile | null {
  const rows = panel.instances.filter((row) => rolloutAtMs.has(row.track.instance) && row.track.state.includes(TREAT));
  if (rows.length === 0) return null;
  const span = panel.grid.count;
  const y = new Float64Array(2 * span);
  const e = new Float64Array(2 * span);
  let used = 0;
  for (const row of rows) {
    const rate = baselineRate(row);
    if (!(rate > 0)) continue;
    used++;
    const zero = sliceOf(panel.grid, rolloutAtMs.get(row.track.instance) ?? 0);
    const last = row.track.state.lastIndexOf(TREAT);
    for (let t = 0; t <= last; t++) {
      const k = t - zero + span;
      if (k < 0 || k >= 2 * span) continue;
      y[k] = (y[k] ?? 0) + (row.y[t] ?? 0);
      e[k] = (e[k] ?? 0) + (row.n[t] ?? 0) * rate * (options.exposureFactor?.[t] ?? 1);
    }
  }
  if (used === 0) return null;
  const profile = changePointProfile(y, e, { minSegment: 3 });
  const logLik = profile.logLik.map((v) => v / Math.max(1, options.tempering));
  return { logLik, zeroIndex: span, instances: used };
}

/**
 * log Bayes factor of "the step is at offset 0 (or shortly after)" against "the step is at any
 * offset": the profile likelihood averaged under a kernel e^(−|d|) for d = −1..10 slices around
 * offset 0, over its average under a uniform prior.
 */
export function alignedLogBayesFactor(profile: AlignedProfile): number {
  let max = -Infinity;
  for (const v of profile.logLik) if (v > max) max = v;
  if (!Number.isFinite(max)) return 0;
  let uniform = 0;
  let allowed = 0;
  for (const v of profile.logLik) {
    if (!Number.isFinite(v)) continue;
    uniform += Math.exp(v - max);
    allowed++;
  }
  let kernel = 0;
  let weights = 0;
  for (let d = -1; d <= 10; d++) {
    const w = Math.exp(-Math.abs(d));
    weights += w;
    const v = profile.logLik[profile.zeroIndex + d];
    if (v !== undefined && Number.isFinite(v)) kernel += w * Math.exp(v - max);
  }
  return Math.log(Math.max(kernel / weights, 1e-300)) - Math.log(uniform / allowed);
}

function baselineRate(row: CountPanel['instances'][number]): number {
  const { y, n } = stateTotals(row, BASE);
  return n > 0 ? (y + 0.5) / n : NaN;
}

/** "pooled over 4 instances aligned at their rollouts of X, the shift steps at +1m" */
export function alignedEvidence(profile: AlignedProfile, binary: string, sliceMs: number): string {
  let best = -1;
  profile.logLik.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v > (profile.logLik[best] ?? -Infinity))) best = i;
  });
  const offsetMs = (best - profile.zeroIndex) * sliceMs;
  const sign = offsetMs >= 0 ? '+' : '−';
  return `aligned at each instance's rollout of ${binary} and pooled over ${profile.instances} instance(s), the rate steps at ${sign}${offset(Math.abs(offsetMs))}`;
}

/** Whole minutes as `2m`, shorter offsets (second-scale slices) as `4s`, others as `1.5m`. */
function offset(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${(ms / 60_000).toFixed(1)}m`;
}
