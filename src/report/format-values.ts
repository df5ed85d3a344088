/**
 * Human formatting of report values for the table and markdown outputs.
 */
import type { ReportGroup, ReportStatistic } from './report.js';

/** Formats a statistic's value: ratios as percent, latencies in ms or s. */
export function formatValue(statistic: Pick<ReportStatistic, 'name'>, value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (statistic.name === 'ratio') return `${(value * 100).toPrecision(3)}%`;
  if (Math.abs(value) < 1) return `${(value * 1000).toPrecision(3)} ms`;
  return `${value.toPrecision(3)} s`;
}

/** "+12.3%" style relative change. */
export function formatChange(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/** "[+3.1%, +20.4%]" style interval. */
export function formatInterval(ci: readonly [number, number]): string {
  return Number.isFinite(ci[0]) ? `[${formatChange(ci[0])}, ${formatChange(ci[1])}]` : '–';
}

/** A p- or q-value in compact scientific form. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '–';
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}

/** `service=gateway endpoint=/v1/route`. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : '(all)';
}

/** The statistic that best represents a group: the regressed/improved one with the smallest q, else the first. */
export function leadStatistic(group: ReportGroup): ReportStatistic | undefined {
  const decided = group.statistics.filter((s) => s.verdict === group.verdict);
  const pool = decided.length > 0 ? decided : group.statistics;
  const q = (s: ReportStatistic): number => (Number.isFinite(s.qValue) ? s.qValue : 1);
  return [...pool].sort((a, b) => q(a) - q(b))[0];
}
