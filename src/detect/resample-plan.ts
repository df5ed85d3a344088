/**
 * Which time slices each side of a comparison uses, the design (before-after or
 * difference-in-differences against concurrent controls), and the block-bootstrap replicates.
 *
 * The independent unit is the time slice, never the request: every instance's counts at one slice
 * move together (they share load and time of day), so resampling whole slices in blocks keeps both
 * the cross-instance and the serial correlation of real traffic (moving-block bootstrap, Künsch 1989).
 */
import type { Rng } from './random.js';
import { BASE, CTRL, TREAT } from './panel.js';
import type { InstanceTrack } from './panel.js';
import { blockLength, resampleIndices } from './stats/block-bootstrap.js';

export type Design = 'before-after' | 'difference-in-differences';

/** Slices of each side and the replicates: each replicate resamples ONE side (the other stays as observed). */
export interface ResamplePlan {
  readonly design: Design;
  /** Calendar slices of the baseline side (each holds ≥ 1 BASE instance-slice). */
  readonly baselineSlices: Int32Array;
  /** Calendar slices of the after side: any TREAT (before-after), or TREAT and CTRL both (DiD). */
  readonly afterSlices: Int32Array;
  readonly baselineBlockLength: number;
  readonly afterBlockLength: number;
  /** Resampled baseline slice lists (after side fixed). */
  readonly baselineReplicates: Int32Array[];
  /** Resampled after slice lists (baseline side fixed). */
  readonly afterReplicates: Int32Array[];
}

/** Options of the design choice. */
export interface DesignOptions {
  /** Fewest overlap slices for a difference-in-differences. */
  readonly minSlices: number;
  /** Smallest ratio of control to treated instance-slices in the overlap for DiD to be used. */
  readonly minControlShare: number;
}

/**
 * Chooses the design: difference-in-differences when not-yet (or never) upgraded instances run
 * alongside upgraded ones for long enough (so a shared load or time-of-day change cancels out),
 * else a before-after comparison. Returns the after-side slices for that design.
 */
export function chooseDesign(tracks: readonly InstanceTrack[], options: DesignOptions): { design: Design; afterSlices: Int32Array } {
  const count = tracks[0]?.state.length ?? 0;
  const anyTreat: number[] = [];
  const overlap: number[] = [];
  let treatTotal = 0;
  let treatInOverlap = 0;
  let ctrlInOverlap = 0;
  for (let t = 0; t < count; t++) {
    let treat = 0;
    let ctrl = 0;
    for (const track of tracks) {
      if (track.state[t] === TREAT) treat++;
      else if (track.state[t] === CTRL) ctrl++;
    }
    treatTotal += treat;
    if (treat > 0) anyTreat.push(t);
    if (treat > 0 && ctrl > 0) {
      overlap.push(t);
      treatInOverlap += treat;
      ctrlInOverlap += ctrl;
    }
  }
  const controlsCoverAfter = treatTotal > 0 && treatInOverlap / treatTotal >= options.minControlShare;
  const enoughControls = treatInOverlap > 0 && ctrlInOverlap / treatInOverlap >= options.minControlShare;
  if (overlap.length >= options.minSlices && controlsCoverAfter && enoughControls) {
    return { design: 'difference-in-differences', afterSlices: Int32Array.from(overlap) };
  }
  return { design: 'before-after', afterSlices: Int32Array.from(anyTreat) };
}

/** Calendar slices that hold at least one BASE instance-slice. */
export function baselineSlices(tracks: readonly InstanceTrack[]): Int32Array {
  const count = tracks[0]?.state.length ?? 0;
  const out: number[] = [];
  for (let t = 0; t < count; t++) {
    if (tracks.some((track) => track.state[t] === BASE)) out.push(t);
  }
  return Int32Array.from(out);
}

/**
 * Builds the plan with `resamples` replicates in all, half resampling the baseline side and half
 * the after side, so the two variance contributions (and Welch degrees of freedom) come apart.
 */
export function buildResamplePlan(
  tracks: readonly InstanceTrack[],
  options: DesignOptions & { resamples: number; rng: Rng },
): ResamplePlan {
  const { design, afterSlices } = chooseDesign(tracks, options);
  const base = baselineSlices(tracks);
  const lb = blockLength(Math.max(1, base.length));
  const la = blockLength(Math.max(1, afterSlices.length));
  const half = Math.max(2, Math.floor(options.resamples / 2));
  const draw = (slices: Int32Array, l: number): Int32Array => {
    const positions = resampleIndices(options.rng, slices.length, l);
    const out = new Int32Array(positions.length);
    for (let i = 0; i < positions.length; i++) out[i] = slices[positions[i] ?? 0] ?? 0;
    return out;
  };
  const baselineReplicates: Int32Array[] = [];
  const afterReplicates: Int32Array[] = [];
  for (let r = 0; r < half; r++) {
    baselineReplicates.push(base.length > 0 ? draw(base, lb) : base);
    afterReplicates.push(afterSlices.length > 0 ? draw(afterSlices, la) : afterSlices);
  }
  return {
    design,
    baselineSlices: base,
    afterSlices,
    baselineBlockLength: lb,
    afterBlockLength: la,
    baselineReplicates,
    afterReplicates,
  };
}
