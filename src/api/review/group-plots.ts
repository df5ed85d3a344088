/**
 * The review page's two plots of a group:
 * - the before/after distribution: for latency the share of requests slower than x (1 − CDF, on
 *   log-log axes, where the tail is readable) of the pooled baseline and after histograms, with the
 *   report's quantiles marked; for ratios the CDF of per-instance slice ratios, with the means marked;
 * - the signal per instance over time, with the baseline and after windows shaded, each instance's
 *   rollout and the estimated onset marked (controls dashed).
 */
import type { GroupView } from '../../analysis/group-view.js';
import type { Report, ReportGroup } from '../../report/report.js';
import { renderLinePlot } from './svg-plot.js';
import type { PlotMarker, PlotPoint, PlotSeries } from './svg-plot.js';
import { quantileName, quantileOfName } from '../../detect/statistic.js';

const BEFORE = '#1c7ed6';
const AFTER = '#e8590c';
const UPGRADED = ['#e8590c', '#c2255c', '#f08c00', '#862e9c', '#e03131', '#a61e4d', '#d9480f', '#9c36b5'];
const CONTROLS = ['#1c7ed6', '#0ca678', '#1098ad', '#5c7cfa', '#495057', '#3b5bdb'];

/** Seconds for people: 850 µs, 12.3 ms, 1.25 s. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const abs = Math.abs(seconds);
  if (abs === 0) return '0';
  if (abs < 1e-3) return `${trim(seconds * 1e6)} µs`;
  if (abs < 1) return `${trim(seconds * 1e3)} ms`;
  return `${trim(seconds)} s`;
}

/** A ratio for people: 0.0812, 1.25. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? trim(value) : String(value);
}

function trim(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/** The before/after distribution plot of a group (SVG markup). */
export function distributionPlot(view: GroupView, group: ReportGroup): string {
  return view.distribution.kind === 'histogram' ? survivalPlot(view.distribution, group) : ratioCdfPlot(view.distribution, group);
}

function survivalPlot(d: { bounds: readonly number[]; baseline: readonly number[]; after: readonly number[] }, group: ReportGroup): string {
  const finite = d.bounds.map((b, k) => [b, k] as const).filter(([b]) => Number.isFinite(b) && b > 0);
  const curve = (counts: readonly number[]): { points: [number, number | null][]; total: number } => {
    const total = counts.reduce((a, b) => a + b, 0);
    let cumulative = 0;
    const byIndex = counts.map((c) => (cumulative += c));
    return { total, points: finite.map(([b, k]) => [b, total > 0 ? 1 - (byIndex[k] ?? 0) / total : null]) };
  };
  const before = curve(d.baseline);
  const after = curve(d.after);
  const floor = Math.max(1e-5, 0.5 / Math.max(1, Math.min(before.total || Infinity, after.total || Infinity)));
  const quantiles = group.statistics.filter((s) => quantileOfName(s.name) !== null);
  const points: PlotPoint[] = quantiles.flatMap((s) => {
    const level = 1 - (quantileOfName(s.name) ?? 0);
    return [
      { name: `${s.name} baseline`, x: s.baseline, y: level, color: BEFORE, label: `${s.name} baseline ${formatSeconds(s.baseline)}` },
      { name: `${s.name} after`, x: s.observedAfter ?? s.after, y: level, color: AFTER, label: `${s.name} after ${formatSeconds(s.observedAfter ?? s.after)}` },
    ];
  });
  const xs = [...finite.map(([b]) => b), ...points.map((p) => p.x)].filter((v) => v > 0 && Number.isFinite(v));
  return renderLinePlot({
    title: `Share of requests slower than x, baseline (blue) and after (orange), ${quantiles.map((q) => q.name).join(', ')} marked`,
    kind: 'distribution',
    x: { min: Math.min(...xs), max: Math.max(...xs), log: true, label: 'latency', format: formatSeconds },
    y: { min: floor, max: 1, log: true, label: 'share slower (1 − CDF)', format: (v) => (v >= 0.01 ? `${Number((v * 100).toPrecision(2))}%` : `${Number((v * 100).toPrecision(1))}%`) },
    series: [
      { name: `baseline (${before.total.toFixed(0)} requests)`, color: BEFORE, width: 2, points: before.points },
      { name: `after (${after.total.toFixed(0)} requests)`, color: AFTER, width: 2, points: after.points },
    ],
    points,
  });
}

function ratioCdfPlot(d: { baseline: readonly number[]; after: readonly number[] }, group: ReportGroup): string {
  const ecdf = (sorted: readonly number[]): [number, number][] => {
    const step = Math.max(1, Math.floor(sorted.length / 200));
    const out: [number, number][] = [];
    for (let i = 0; i < sorted.length; i += step) out.push([sorted[i] ?? 0, (i + 1) / sorted.length]);
    if (sorted.length > 0) out.push([sorted.at(-1) ?? 0, 1]);
    return out;
  };
  const ratio = group.statistics.find((s) => s.name === 'ratio');
  const markers: PlotMarker[] = ratio === undefined ? [] : [
    { name: 'ratio baseline', x: ratio.baseline, color: BEFORE, label: `baseline ${formatRatio(ratio.baseline)}` },
    { name: 'ratio after', x: ratio.observedAfter ?? ratio.after, color: AFTER, label: `after ${formatRatio(ratio.observedAfter ?? ratio.after)}` },
  ];
  const max = Math.max(1e-9, ...d.baseline, ...d.after, ...markers.map((m) => m.x)) * 1.05;
  return renderLinePlot({
    title: `CDF of per-instance slice ratios, baseline (blue) and after (orange), the group's ratios marked`,
    kind: 'distribution',
    x: { min: 0, max, label: `${group.signal} per unit of exposure, per instance and slice`, format: formatRatio },
    y: { min: 0, max: 1, label: 'share of slices ≤ x', format: (v) => `${Math.round(v * 100)}%` },
    series: [
      { name: `baseline (${d.baseline.length} slices)`, color: BEFORE, width: 2, points: ecdf(d.baseline) },
      { name: `after (${d.after.length} slices)`, color: AFTER, width: 2, points: ecdf(d.after) },
    ],
    markers,
  });
}

/** The per-instance time series plot of a group (SVG markup). */
export function timeSeriesPlot(view: GroupView, group: ReportGroup, windows: Report['windows'], upgradeStartedAtMs: number): string {
  let upgradedIndex = 0;
  let controlIndex = 0;
  const colors = new Map<string, string>();
  const series: PlotSeries[] = view.instances.map((line) => {
    const upgraded = line.upgradedAtMs !== null;
    const color = upgraded ? (UPGRADED[upgradedIndex++ % UPGRADED.length] ?? AFTER) : (CONTROLS[controlIndex++ % CONTROLS.length] ?? BEFORE);
    colors.set(line.instance, color);
    return { name: line.instance, color, dashed: !upgraded, points: line.values.map((v, b) => [(view.binStartsMs[b] ?? 0) + view.binMs / 2, v] as const) };
  });
  const rollouts = view.instances.filter((l) => l.upgradedAtMs !== null);
  const markers: PlotMarker[] = [
    { name: 'upgrade', x: upgradeStartedAtMs, color: '#212529', label: 'upgrade', dashed: false },
    // Only short rollouts get their labels drawn; otherwise each rollout line keeps its name as a tooltip.
    ...rollouts.map((l) => ({ name: `rollout ${l.instance}`, x: l.upgradedAtMs ?? 0, color: colors.get(l.instance) ?? AFTER, ...(rollouts.length <= 3 ? { label: l.instance } : {}) })),
    ...(group.onset === null ? [] : [{ name: 'onset', x: Date.parse(group.onset), color: '#c92a2a', label: 'onset', dashed: false }]),
  ];
  const values = view.instances.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const latency = view.quantile !== null;
  const first = view.binStartsMs[0] ?? 0;
  // While the after window fills, the axis ends at the newest data (not at the window's far end).
  const lastBin = Math.max(0, ...view.instances.map((l) => l.values.findLastIndex((v) => v !== null)));
  const last = Math.max((view.binStartsMs[lastBin] ?? first) + view.binMs, Date.parse(windows.baseline.end) + view.binMs);
  return renderLinePlot({
    title: `${view.quantile !== null ? quantileName(view.quantile) : group.signal} per instance over time; upgraded instances solid, controls dashed; rollouts and onset marked`,
    kind: 'timeseries',
    // Seconds on the axis when its ticks come closer than a minute (the demo's compressed clock).
    x: { min: first, max: last, label: 'time (UTC)', format: (t) => new Date(t).toISOString().slice(11, last - first <= 15 * 60_000 ? 19 : 16) },
    y: { min: 0, max: Math.max(1e-9, ...values) * 1.08, label: view.quantile !== null ? `${quantileName(view.quantile)} latency` : `${group.signal} ratio`, format: latency ? formatSeconds : formatRatio },
    series,
    bands: [
      { name: 'baseline', from: Date.parse(windows.baseline.start), to: Date.parse(windows.baseline.end), color: BEFORE },
      { name: 'after', from: Date.parse(windows.after.start), to: Date.parse(windows.after.end), color: AFTER },
    ],
    markers,
  });
}
