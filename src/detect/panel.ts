/**
 * Plain-data views of one signal group that detection reads: per instance, per time slice, the
 * histogram counts or the numerator/denominator increments, and which window each slice is in.
 * Built by the analysis layer from raw series; detection never sees wire formats or I/O.
 */
import type { SliceGrid } from '../series/model.js';

/** Slice is not used (settling after a rollout, outside every window, or not yet rolled out but outside the after span). */
export const IGNORE = 0;
/** Slice is in the baseline window, before the upgrade started (and before this instance's rollout). */
export const BASE = 1;
/** Slice is in this instance's after window: from its own rollout plus `settle`, for `after`. */
export const TREAT = 2;
/** Slice is after the upgrade started but this instance is not (yet) upgraded: a concurrent control. */
export const CTRL = 3;

export type SliceState = typeof IGNORE | typeof BASE | typeof TREAT | typeof CTRL;

/** One instance's timeline within a group. */
export interface InstanceTrack {
  readonly instance: string;
  /** Window state per slice of the group's grid (IGNORE, BASE, TREAT or CTRL). */
  readonly state: Uint8Array;
  /** When this instance started running changed code (earliest changed binary's rollout), ms; null = never upgraded. */
  readonly upgradedFromMs: number | null;
  /** When the last changed binary was rolled out on this instance, ms; null = never upgraded. */
  readonly upgradedToMs: number | null;
}

/** A latency group: classic-histogram bucket counts per instance and slice. */
export interface HistogramPanel {
  readonly grid: SliceGrid;
  /** Bucket upper bounds, ascending, the last one `Infinity`. */
  readonly bounds: readonly number[];
  readonly instances: readonly HistogramRow[];
}

export interface HistogramRow {
  readonly track: InstanceTrack;
  /** Non-cumulative bucket counts, slice-major: counts[slice * bounds.length + bucket]. */
  readonly counts: Float64Array;
}

/** A ratio group (or a tail-exceedance view of a latency group): events and exposure per instance and slice. */
export interface CountPanel {
  readonly grid: SliceGrid;
  readonly instances: readonly CountRow[];
}

export interface CountRow {
  readonly track: InstanceTrack;
  /** Events per slice (retries; requests above a latency boundary). */
  readonly y: Float64Array;
  /** Exposure per slice (requests). */
  readonly n: Float64Array;
}

/**
 * Turns a histogram panel into the count panel of "requests above bucket bound `boundaryIndex`":
 * y = requests in buckets above bounds[boundaryIndex], n = all requests.
 */
export function exceedancePanel(panel: HistogramPanel, boundaryIndex: number): CountPanel {
  const width = panel.bounds.length;
  const instances = panel.instances.map((row) => {
    const y = new Float64Array(panel.grid.count);
    const n = new Float64Array(panel.grid.count);
    for (let t = 0; t < panel.grid.count; t++) {
      let above = 0;
      let total = 0;
      for (let k = 0; k < width; k++) {
        const c = row.counts[t * width + k] ?? 0;
        total += c;
        if (k > boundaryIndex) above += c;
      }
      y[t] = above;
      n[t] = total;
    }
    return { track: row.track, y, n };
  });
  return { grid: panel.grid, instances };
}

/** Events and exposure of one row over the slices in `state`. */
export function stateTotals(row: CountRow, state: number): { y: number; n: number } {
  let y = 0;
  let n = 0;
  for (let t = 0; t < row.n.length; t++) {
    if (row.track.state[t] !== state) continue;
    y += row.y[t] ?? 0;
    n += row.n[t] ?? 0;
  }
  return { y, n };
}
