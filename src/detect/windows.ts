/**
 * Per-instance window assignment: baseline before the upgrade, "after" from each instance's own
 * rollout plus `settle`, and concurrent controls (instances not yet upgraded at that time).
 */
import type { SliceGrid } from '../series/model.js';
import { BASE, CTRL, IGNORE, TREAT } from './panel.js';
import type { InstanceTrack } from './panel.js';

/** Analysis windows of one upgrade, all in milliseconds. */
export interface AnalysisWindows {
  readonly startedAtMs: number;
  readonly baselineMs: number;
  readonly afterMs: number;
  readonly settleMs: number;
  /**
   * Monitoring: the time up to which data is complete. Slices ending later count in no window
   * (the analysis sees the after window as it stands now). Absent = everything is known.
   */
  readonly cutoffMs?: number;
}

/** Rollout of changed code on one instance: earliest and latest changed-binary rollout, or null = never. */
export interface InstanceRollout {
  readonly instance: string;
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

/**
 * The slice grid that covers the baseline and every instance's after window, aligned to the slice
 * width so that the baseline ends exactly at `startedAtMs` when it is a multiple of the slice.
 */
export function analysisGrid(windows: AnalysisWindows, rollouts: readonly InstanceRollout[], sliceMs: number): SliceGrid {
  const startMs = Math.floor((windows.startedAtMs - windows.baselineMs) / sliceMs) * sliceMs;
  let endMs = windows.startedAtMs + windows.settleMs + windows.afterMs;
  for (const r of rollouts) {
    if (r.toMs !== null) endMs = Math.max(endMs, r.toMs + windows.settleMs + windows.afterMs);
  }
  return { startMs, sliceMs, count: Math.ceil((endMs - startMs) / sliceMs) };
}

/**
 * Assigns each slice of one instance to BASE, TREAT, CTRL or IGNORE. A slice counts only when it
 * lies wholly inside a window: BASE = inside [startedAt − baseline, min(startedAt, rollout start));
 * TREAT = inside [rollout end + settle, rollout end + settle + after); CTRL = after the upgrade
 * started and before this instance's first changed-binary rollout, within the span in which some
 * instance is in its after window (`afterSpan`).
 */
export function instanceTrack(
  grid: SliceGrid,
  windows: AnalysisWindows,
  rollout: InstanceRollout,
  afterSpan: { startMs: number; endMs: number },
): InstanceTrack {
  const state = new Uint8Array(grid.count);
  const baseStart = windows.startedAtMs - windows.baselineMs;
  const baseEnd = rollout.fromMs === null ? windows.startedAtMs : Math.min(windows.startedAtMs, rollout.fromMs);
  const treatStart = rollout.toMs === null ? Infinity : rollout.toMs + windows.settleMs;
  const treatEnd = treatStart + windows.afterMs;
  const ctrlEnd = Math.min(rollout.fromMs ?? Infinity, afterSpan.endMs);
  const ctrlStart = Math.max(windows.startedAtMs, afterSpan.startMs);
  const cutoff = windows.cutoffMs ?? Infinity;
  for (let k = 0; k < grid.count; k++) {
    const s = grid.startMs + k * grid.sliceMs;
    const e = s + grid.sliceMs;
    if (e > cutoff) state[k] = IGNORE;
    else if (s >= baseStart && e <= baseEnd) state[k] = BASE;
    else if (s >= treatStart && e <= treatEnd) state[k] = TREAT;
    else if (s >= ctrlStart && e <= ctrlEnd) state[k] = CTRL;
    else state[k] = IGNORE;
  }
  return { instance: rollout.instance, state, upgradedFromMs: rollout.fromMs, upgradedToMs: rollout.toMs };
}

/** The span in which at least one instance is in its after window. */
export function afterSpan(windows: AnalysisWindows, rollouts: readonly InstanceRollout[]): { startMs: number; endMs: number } {
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const r of rollouts) {
    if (r.toMs === null) continue;
    startMs = Math.min(startMs, r.toMs + windows.settleMs);
    endMs = Math.max(endMs, r.toMs + windows.settleMs + windows.afterMs);
  }
  return { startMs, endMs };
}

/** Tracks for every instance of a group, sharing one grid. */
export function buildTracks(grid: SliceGrid, windows: AnalysisWindows, rollouts: readonly InstanceRollout[]): InstanceTrack[] {
  const span = afterSpan(windows, rollouts);
  return rollouts.map((r) => instanceTrack(grid, windows, r, span));
}
