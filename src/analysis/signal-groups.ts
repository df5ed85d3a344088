/**
 * Builds the detection panels of one signal (every group of its `by` labels) from raw series and
 * runs detection on each: latency signals as histogram panels, ratio signals as count panels.
 */
import type { RawSeries, SliceGrid } from '../series/model.js';
import type { LatencySignalConfig, RatioSignalConfig, SignalConfig } from '../config/shiftguard-config.js';
import { IGNORE } from '../detect/panel.js';
import type { CountPanel, CountRow, HistogramPanel, HistogramRow, InstanceTrack } from '../detect/panel.js';
import { buildTracks } from '../detect/windows.js';
import type { AnalysisWindows } from '../detect/windows.js';
import { detectLatencyShift } from '../detect/detect-latency.js';
import { detectRatioShift } from '../detect/detect-ratio.js';
import type { DetectionSettings, GroupDetection } from '../detect/statistic.js';
import type { RolloutPlan } from '../upgrades/resolve-rollout.js';
import { bucketCounts, bucketLayout, groupSeries, parseBound } from './group-series.js';
import type { GroupingStats, SeriesGroup } from './group-series.js';
import { groupRollout } from './group-rollout.js';
import type { GroupRollout } from './group-rollout.js';

/** One analysed group with everything later steps need. */
export interface AnalysedGroup {
  readonly signal: SignalConfig;
  readonly labels: Record<string, string>;
  readonly detection: GroupDetection;
  readonly rollout: GroupRollout;
  readonly tracks: readonly InstanceTrack[];
  readonly grid: SliceGrid;
  /** The data detection ran on (for plots of the group): bucket counts, or events and exposure. */
  readonly panel: { readonly kind: 'histogram'; readonly histogram: HistogramPanel } | { readonly kind: 'counts'; readonly counts: CountPanel };
}

/** Shared inputs of every group of one analysis. */
export interface GroupContext {
  readonly series: ReadonlyMap<string, RawSeries[]>;
  readonly grid: SliceGrid;
  readonly windows: AnalysisWindows;
  readonly plan: RolloutPlan;
  readonly instanceLabel: string;
  readonly serviceLabel: string;
  readonly settings: DetectionSettings;
  readonly stats: GroupingStats;
  readonly warnings: string[];
  /** Service label values seen per instance, over every series read. */
  readonly instanceServices: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Detects shifts in every group of `signal`. */
export function analyseSignal(signal: SignalConfig, ctx: GroupContext): AnalysedGroup[] {
  return signal.type === 'latency' ? analyseLatency(signal, ctx) : analyseRatio(signal, ctx);
}

function analyseLatency(signal: LatencySignalConfig, ctx: GroupContext): AnalysedGroup[] {
  const name = `${signal.metric}_bucket`;
  const series = ctx.series.get(name) ?? [];
  if (series.length === 0) ctx.warnings.push(`signal ${signal.name}: no series named ${name} in the data`);
  const out: AnalysedGroup[] = [];
  for (const group of groupSeries(series, signal.by, ctx.instanceLabel, ctx.grid, ctx.stats).values()) {
    const layout = bucketLayout(group);
    if (!layout.includes('+Inf')) {
      ctx.warnings.push(`signal ${signal.name} ${describe(group)}: instances share no complete bucket layout with le="+Inf"; group skipped`);
      continue;
    }
    const rollout = rolloutOf(group, ctx);
    const tracks = buildTracks(ctx.grid, ctx.windows, rollout.rollouts);
    const clamped = { count: 0 };
    const rows: HistogramRow[] = [];
    tracks.forEach((track) => {
      const counts = bucketCounts(group.instances.get(track.instance) ?? new Map(), layout, ctx.grid.count, clamped);
      if (counts === null) return;
      rows.push({ track: maskEmpty(track, (t) => sliceTotal(counts, layout.length, t)), counts });
    });
    if (clamped.count > 0) ctx.warnings.push(`signal ${signal.name} ${describe(group)}: ${clamped.count} slice(s) had bucket counts decreasing with le (clamped to 0)`);
    const panel = { grid: ctx.grid, bounds: layout.map(parseBound), instances: rows };
    const detection = detectLatencyShift(panel, signal, ctx.settings, `${signal.name}|${JSON.stringify(group.labels)}`);
    out.push({ signal, labels: group.labels, detection, rollout, tracks: rows.map((r) => r.track), grid: ctx.grid, panel: { kind: 'histogram', histogram: panel } });
  }
  return out;
}

function analyseRatio(signal: RatioSignalConfig, ctx: GroupContext): AnalysedGroup[] {
  const numerators = groupSeries(ctx.series.get(signal.numerator) ?? [], signal.by, ctx.instanceLabel, ctx.grid, ctx.stats);
  const denominators = groupSeries(ctx.series.get(signal.denominator) ?? [], signal.by, ctx.instanceLabel, ctx.grid, ctx.stats);
  if (denominators.size === 0) ctx.warnings.push(`signal ${signal.name}: no series named ${signal.denominator} in the data`);
  const out: AnalysedGroup[] = [];
  for (const [key, group] of denominators) {
    const numeratorGroup = numerators.get(key);
    const rollout = rolloutOf(group, ctx);
    const tracks = buildTracks(ctx.grid, ctx.windows, rollout.rollouts);
    const rows: CountRow[] = tracks.map((track) => {
      const n = group.instances.get(track.instance)?.get('') ?? new Float64Array(ctx.grid.count);
      const y = numeratorGroup?.instances.get(track.instance)?.get('') ?? new Float64Array(ctx.grid.count);
      return { track: maskEmpty(track, (t) => n[t] ?? 0), y, n };
    });
    if (numeratorGroup === undefined) ctx.warnings.push(`signal ${signal.name} ${describe(group)}: no ${signal.numerator} series; counted as zero events`);
    const panel = { grid: ctx.grid, instances: rows };
    const detection = detectRatioShift(panel, signal, ctx.settings, `${signal.name}|${JSON.stringify(group.labels)}`);
    out.push({ signal, labels: group.labels, detection, rollout, tracks: rows.map((r) => r.track), grid: ctx.grid, panel: { kind: 'counts', counts: panel } });
  }
  return out;
}

function rolloutOf(group: SeriesGroup, ctx: GroupContext): GroupRollout {
  const instances = [...group.instances.keys()].sort();
  return groupRollout(ctx.plan, group.labels[ctx.serviceLabel] ?? serviceOfInstances(group, ctx), instances, ctx.windows.startedAtMs);
}

/** When `by` has no service label, the group's service is the one its instances' series carry, if unique. */
function serviceOfInstances(group: SeriesGroup, ctx: GroupContext): string | undefined {
  const services = new Set<string>();
  for (const instance of group.instances.keys()) for (const service of ctx.instanceServices.get(instance) ?? []) services.add(service);
  return services.size === 1 ? [...services][0] : undefined;
}

/** A slice without requests on an instance carries no information: it leaves every window. */
function maskEmpty(track: InstanceTrack, exposure: (t: number) => number): InstanceTrack {
  const state = track.state.slice();
  for (let t = 0; t < state.length; t++) if (exposure(t) <= 0) state[t] = IGNORE;
  return { ...track, state };
}

function sliceTotal(counts: Float64Array, width: number, t: number): number {
  let s = 0;
  for (let k = 0; k < width; k++) s += counts[t * width + k] ?? 0;
  return s;
}

function describe(group: SeriesGroup): string {
  return `{${Object.entries(group.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}
