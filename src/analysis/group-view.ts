/**
 * What the review page plots for one analysed group, from the panel detection ran on:
 * - per instance, the signal over time (a latency quantile, or the ratio), with its rollout time;
 * - the before/after distribution: pooled bucket counts of the baseline and the after window
 *   (latency), or the per-instance slice ratios of each window (ratio signals).
 * Slices are merged into at most `maxPoints` time bins (bucket counts and events are summed, not
 * averaged), so a quantile per bin is computed from enough requests to be readable.
 */
import { BASE, TREAT } from '../detect/panel.js';
import type { CountPanel, HistogramPanel, InstanceTrack } from '../detect/panel.js';
import { histogramQuantile } from '../detect/stats/histogram-quantile.js';
import type { ReportGroup } from '../report/report.js';
import { labelsKey } from '../series/model.js';
import { analyseUpgrade } from './run-analysis.js';
import type { AnalysisRequest } from './run-analysis.js';
import type { AnalysedGroup } from './signal-groups.js';
import { quantileOfName } from '../detect/statistic.js';

/** One instance's line. */
export interface InstanceLine {
  readonly instance: string;
  /** When the instance began running changed code, ms; null: a control (never upgraded). */
  readonly upgradedAtMs: number | null;
  /** Value per bin (seconds for latency, events per unit of exposure for ratios); null: no data. */
  readonly values: readonly (number | null)[];
}

/** Before/after distribution of a group. */
export type GroupDistribution =
  | { readonly kind: 'histogram'; readonly bounds: readonly number[]; readonly baseline: readonly number[]; readonly after: readonly number[] }
  | { readonly kind: 'ratios'; readonly baseline: readonly number[]; readonly after: readonly number[] };

/** Plot data of one group. */
export interface GroupView {
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The quantile the lines show (latency), or null (ratio). */
  readonly quantile: number | null;
  /** Start of each bin, ms; a bin spans `binMs`. */
  readonly binStartsMs: readonly number[];
  readonly binMs: number;
  readonly instances: readonly InstanceLine[];
  readonly distribution: GroupDistribution;
}

/** Plot data of `group`: lines of `quantile` (latency groups) in at most `maxPoints` bins. */
export function groupView(group: AnalysedGroup, quantile: number, maxPoints = 240): GroupView {
  const { grid } = group;
  const perBin = Math.max(1, Math.ceil(grid.count / Math.max(1, maxPoints)));
  const bins = Math.ceil(grid.count / perBin);
  const binStartsMs = Array.from({ length: bins }, (_, b) => grid.startMs + b * perBin * grid.sliceMs);
  const base = { signal: group.signal.name, labels: group.labels, binStartsMs, binMs: perBin * grid.sliceMs };
  if (group.panel.kind === 'histogram') {
    const panel = group.panel.histogram;
    return { ...base, quantile, instances: panel.instances.map((row) => ({ ...lineOf(row.track), values: quantileBins(panel, row.counts, quantile, perBin, bins) })), distribution: pooledHistograms(panel) };
  }
  const panel = group.panel.counts;
  return { ...base, quantile: null, instances: panel.instances.map((row) => ({ ...lineOf(row.track), values: ratioBins(row.y, row.n, perBin, bins) })), distribution: sliceRatios(panel) };
}

function lineOf(track: InstanceTrack): { instance: string; upgradedAtMs: number | null } {
  return { instance: track.instance, upgradedAtMs: track.upgradedFromMs };
}

function quantileBins(panel: HistogramPanel, counts: Float64Array, q: number, perBin: number, bins: number): (number | null)[] {
  const width = panel.bounds.length;
  const merged = new Float64Array(width);
  const out: (number | null)[] = [];
  for (let b = 0; b < bins; b++) {
    merged.fill(0);
    let total = 0;
    for (let t = b * perBin; t < Math.min(panel.grid.count, (b + 1) * perBin); t++) {
      for (let k = 0; k < width; k++) {
        const c = counts[t * width + k] ?? 0;
        merged[k] = (merged[k] ?? 0) + c;
        total += c;
      }
    }
    const value = total > 0 ? histogramQuantile(panel.bounds, merged, q) : NaN;
    out.push(Number.isFinite(value) ? value : null);
  }
  return out;
}

function ratioBins(y: Float64Array, n: Float64Array, perBin: number, bins: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let b = 0; b < bins; b++) {
    let events = 0;
    let exposure = 0;
    for (let t = b * perBin; t < Math.min(n.length, (b + 1) * perBin); t++) {
      events += y[t] ?? 0;
      exposure += n[t] ?? 0;
    }
    out.push(exposure > 0 ? events / exposure : null);
  }
  return out;
}

/** Bucket counts summed over the baseline slices, and over the upgraded instances' after slices. */
function pooledHistograms(panel: HistogramPanel): GroupDistribution {
  const width = panel.bounds.length;
  const baseline = new Array<number>(width).fill(0);
  const after = new Array<number>(width).fill(0);
  for (const row of panel.instances) {
    for (let t = 0; t < panel.grid.count; t++) {
      const state = row.track.state[t];
      const into = state === BASE ? baseline : state === TREAT ? after : null;
      if (into === null) continue;
      for (let k = 0; k < width; k++) into[k] = (into[k] ?? 0) + (row.counts[t * width + k] ?? 0);
    }
  }
  return { kind: 'histogram', bounds: panel.bounds, baseline, after };
}

/** Ratio of every instance-slice with exposure, in the baseline and in the after window. */
function sliceRatios(panel: CountPanel): GroupDistribution {
  const baseline: number[] = [];
  const after: number[] = [];
  for (const row of panel.instances) {
    for (let t = 0; t < panel.grid.count; t++) {
      const n = row.n[t] ?? 0;
      if (n <= 0) continue;
      const state = row.track.state[t];
      if (state === BASE) baseline.push((row.y[t] ?? 0) / n);
      else if (state === TREAT) after.push((row.y[t] ?? 0) / n);
    }
  }
  return { kind: 'ratios', baseline: baseline.sort((a, b) => a - b), after: after.sort((a, b) => a - b) };
}

/** What `readGroupView` needs: the analysis inputs, the group, and the quantile to draw. */
export interface GroupViewRequest extends Omit<AnalysisRequest, 'mode' | 'onProgress'> {
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly quantile: number;
}

/**
 * Re-reads the data of one group as the analysis saw it (only its signal's series, as of the same
 * time) and returns its plot data; null when the signal or the group is not in the data.
 */
export async function readGroupView(request: GroupViewRequest): Promise<GroupView | null> {
  const signal = request.config.signals.find((s) => s.name === request.signal);
  if (signal === undefined) return null;
  const { groups } = await analyseUpgrade({ ...request, config: { ...request.config, signals: [signal] } });
  const key = labelsKey(request.labels);
  const group = groups.find((g) => labelsKey(g.labels) === key);
  return group === undefined ? null : groupView(group, request.quantile);
}

/** The quantile a group's lines show: the regressed quantile that moved most, else the highest reported one (0.99 by default). */
export function quantileToDraw(group: ReportGroup): number {
  const quantiles = group.statistics.flatMap((s) => {
    const q = quantileOfName(s.name);
    return q === null ? [] : [{ q, s }];
  });
  const regressed = quantiles.filter(({ s }) => s.verdict === 'regression').sort((a, b) => b.s.relativeChange - a.s.relativeChange)[0];
  return regressed?.q ?? (quantiles.length > 0 ? Math.max(...quantiles.map(({ q }) => q)) : 0.99);
}
