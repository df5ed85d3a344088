/**
 * `--format markdown`: a report to paste into a ticket. Regressions in full (statistics, onset,
 * suspects with evidence), then one table with every other group.
 */
import type { Report, ReportGroup } from './report.js';
import { verdictRank } from './report.js';
import { formatChange, formatInterval, formatLabels, formatP, formatValue, leadStatistic } from './format-values.js';

/** Renders the report as GitHub-flavoured markdown. */
export function formatMarkdown(report: Report): string {
  const { summary } = report;
  const groups = [...report.groups].sort((a, b) => verdictRank(a.verdict) - verdictRank(b.verdict));
  const regressions = groups.filter((g) => g.verdict === 'regression');
  const others = groups.filter((g) => g.verdict !== 'regression');
  const out = [
    `## shiftguard: upgrade \`${report.upgrade}\`${report.package ? ` (${report.package})` : ''}`,
    '',
    `**${summary.regressions} regression(s)**, ${summary.improvements} improvement(s), ${summary.inconclusive} inconclusive, ` +
      `${summary.noChange} unchanged, of ${summary.groups} groups (false-discovery rate ${report.alpha}).`,
    '',
    `Baseline ${report.windows.baseline.start} – ${report.windows.baseline.end}; after ${report.windows.after.start} – ${report.windows.after.end}.`,
    '',
    ...regressions.flatMap(regressionSection),
  ];
  if (others.length > 0) {
    out.push('### Other groups', '', '| verdict | signal | group | stat | baseline | after | change | CI | q | note |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const g of others) {
      const s = leadStatistic(g);
      const note = g.reason ?? s?.reason ?? '';
      out.push(
        `| ${g.verdict} | ${g.signal} | ${escape(formatLabels(g.labels))} | ${s?.name ?? '–'} | ${s ? formatValue(s, s.baseline) : '–'} | ` +
          `${s ? formatValue(s, s.after) : '–'} | ${s ? formatChange(s.relativeChange) : '–'} | ${s ? formatInterval(s.ci) : '–'} | ${s ? formatP(s.qValue) : '–'} | ${escape(note)} |`,
      );
    }
    out.push('');
  }
  if (report.warnings.length > 0) out.push('### Warnings', '', ...report.warnings.map((w) => `- ${escape(w)}`), '');
  return out.join('\n');
}

function regressionSection(g: ReportGroup): string[] {
  const lines = [
    `### Regression: ${g.signal} ${escape(formatLabels(g.labels))}`,
    '',
    `Onset ${g.onset ?? 'unknown'}. ${g.notes.join(' ')}`,
    '',
    '| stat | baseline | after | change | CI | p | q | verdict |',
    '|---|---|---|---|---|---|---|---|',
    ...g.statistics.map(
      (s) =>
        `| ${s.name} | ${formatValue(s, s.baseline)} | ${formatValue(s, s.after)} | ${formatChange(s.relativeChange)} | ${formatInterval(s.ci)} | ` +
        `${formatP(s.pValue)} | ${formatP(s.qValue)} | ${s.verdict} |`,
    ),
    '',
    '**Suspects**',
    '',
  ];
  if (g.suspects.length === 0) lines.push('- none of the changed binaries fits the timing of this shift');
  for (const s of g.suspects) {
    lines.push(`- \`${s.binary}\` ${s.from ?? '∅'} → ${s.to ?? '∅'}, score ${s.score.toFixed(2)}`);
    for (const e of s.evidence) lines.push(`  - ${escape(e)}`);
  }
  lines.push('');
  return lines;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}
