/**
 * `--format table`: an aligned text table for terminals, one row per group (its lead statistic),
 * regressions first, with the top suspect and its first piece of evidence under each regression.
 */
import type { Report } from './report.js';
import { verdictRank } from './report.js';
import { formatChange, formatInterval, formatLabels, formatP, formatValue, leadStatistic } from './format-values.js';

const HEADER = ['VERDICT', 'SIGNAL', 'GROUP', 'STAT', 'BASELINE', 'AFTER', 'CHANGE', 'CI', 'q', 'SUSPECT'];

/** Renders the report as an aligned text table followed by the summary and warnings. */
export function formatTable(report: Report): string {
  const rows: string[][] = [HEADER];
  const notes: string[] = [];
  const groups = [...report.groups].sort((a, b) => verdictRank(a.verdict) - verdictRank(b.verdict));
  for (const group of groups) {
    const s = leadStatistic(group);
    const top = group.suspects[0];
    rows.push([
      group.verdict,
      group.signal,
      formatLabels(group.labels),
      s?.name ?? '–',
      s ? formatValue(s, s.baseline) : '–',
      s ? formatValue(s, s.after) : '–',
      s ? formatChange(s.relativeChange) : '–',
      s ? formatInterval(s.ci) : '–',
      s ? formatP(s.qValue) : '–',
      top ? `${top.binary} ${top.from ?? '∅'}→${top.to ?? '∅'} (${top.score.toFixed(2)})` : '',
    ]);
    if (group.verdict === 'regression' && top) notes.push(`  ${group.signal} ${formatLabels(group.labels)}: ${top.evidence[0] ?? ''}`);
    if (group.verdict === 'inconclusive' && group.reason) notes.push(`  ${group.signal} ${formatLabels(group.labels)}: inconclusive, ${group.reason}`);
  }
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
  const { summary } = report;
  return [
    `upgrade ${report.upgrade}: ${summary.regressions} regression(s), ${summary.improvements} improvement(s), ` +
      `${summary.inconclusive} inconclusive, ${summary.noChange} unchanged of ${summary.groups} groups (FDR ${report.alpha})`,
    `baseline ${report.windows.baseline.start} – ${report.windows.baseline.end}; after ${report.windows.after.start} – ${report.windows.after.end}`,
    '',
    ...lines,
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(report.warnings.length > 0 ? ['', 'warnings:', ...report.warnings.map((w) => `  - ${w}`)] : []),
    '',
  ].join('\n');
}
