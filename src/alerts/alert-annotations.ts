/**
 * Human texts of a finding's alert: a one-line `summary`, a multi-line `description` (every statistic,
 * then the top suspect with its score and evidence) and a compact `suspects` list. They are
 * annotations, not labels, so they may change between re-sends without splitting the alert.
 */
import { formatChange, formatInterval, formatP, formatValue } from '../report/format-values.js';
import type { FindingRecord } from '../store/state-store.js';
import { leadStatisticOf, readStatistics, readSuspects } from './finding-view.js';
import type { StatisticView, SuspectView } from './finding-view.js';

/** Statistics listed in a description at most (latency signals have one per quantile). */
const MAX_DESCRIBED_STATISTICS = 8;
/** Suspects listed in the `suspects` annotation at most. */
const MAX_LISTED_SUSPECTS = 3;

/** The annotations of a finding's alert. */
export interface AlertAnnotations {
  readonly summary: string;
  readonly description: string;
  readonly suspects: string;
  /** The finding's id in shiftguard's store (`GET /api/v1/findings`). */
  readonly finding_id: string;
}

/** Builds every annotation of `finding`'s alert. */
export function alertAnnotations(finding: FindingRecord): AlertAnnotations {
  const statistics = readStatistics(finding.statistics);
  const suspects = readSuspects(finding.suspects);
  return {
    summary: summaryLine(finding, leadStatisticOf(statistics, finding.verdict)),
    description: descriptionText(finding, statistics, suspects),
    suspects: suspects.length === 0 ? 'none' : suspects.slice(0, MAX_LISTED_SUSPECTS).map(compactSuspect).join('; '),
    finding_id: finding.id,
  };
}

/**
 * One line: `p99 of latency {service=gateway,endpoint=/v1/route} +50.0% after upgrade dten-2026.04`
 * (`latency {…} regression after upgrade …` when no statistic is readable).
 */
export function summaryLine(finding: Pick<FindingRecord, 'signal' | 'labels' | 'upgradeId' | 'verdict'>, lead: StatisticView | undefined): string {
  const group = groupText(finding.labels);
  const subject = `${finding.signal}${group === '' ? '' : ` ${group}`}`;
  if (lead === undefined || !Number.isFinite(lead.relativeChange)) return `${subject} ${finding.verdict} after upgrade ${finding.upgradeId}`;
  return `${lead.name} of ${subject} ${formatChange(lead.relativeChange)} after upgrade ${finding.upgradeId}`;
}

/** `{service=gateway,endpoint=/v1/route}`, or the empty text for a group without labels. */
export function groupText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function descriptionText(finding: FindingRecord, statistics: readonly StatisticView[], suspects: readonly SuspectView[]): string {
  const lines = [
    `${finding.verdict} of ${finding.signal}${groupSuffix(finding.labels)} after upgrade ${finding.upgradeId} ` +
      `(finding ${finding.id}, open since ${new Date(finding.openedAtMs).toISOString()}).`,
  ];
  for (const statistic of statistics.slice(0, MAX_DESCRIBED_STATISTICS)) lines.push(statisticLine(statistic));
  if (statistics.length > MAX_DESCRIBED_STATISTICS) lines.push(`… and ${statistics.length - MAX_DESCRIBED_STATISTICS} more statistics`);
  const top = suspects[0];
  if (top === undefined) lines.push('Top suspect: none of the changed binaries fits the timing of this shift.');
  else lines.push(`Top suspect: ${binaryChange(top)}, score ${formatScore(top.score)}${top.evidence.length > 0 ? `: ${top.evidence.join('; ')}` : ''}`);
  return lines.join('\n');
}

/** `p99: 120 ms → 180 ms (+50.0%, CI [+31.0%, +72.0%], p=1.2e-9)`. */
function statisticLine(s: StatisticView): string {
  const details = [formatChange(s.relativeChange)];
  if (s.ci !== null && Number.isFinite(s.ci[0]) && Number.isFinite(s.ci[1])) details.push(`CI ${formatInterval(s.ci)}`);
  if (Number.isFinite(s.pValue)) details.push(`p=${formatP(s.pValue)}`);
  if (Number.isFinite(s.qValue)) details.push(`q=${formatP(s.qValue)}`);
  return `${s.name}: ${formatValue(s, s.baseline)} → ${formatValue(s, s.after)} (${details.join(', ')})`;
}

/** `dten-gateway 4.2.1→4.3.0 0.93`. */
function compactSuspect(s: SuspectView): string {
  return `${s.binary} ${s.from ?? '∅'}→${s.to ?? '∅'} ${formatScore(s.score)}`;
}

function binaryChange(s: SuspectView): string {
  return `${s.binary} ${s.from ?? '∅'} → ${s.to ?? '∅'}`;
}

function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : '?';
}

function groupSuffix(labels: Readonly<Record<string, string>>): string {
  const text = groupText(labels);
  return text === '' ? '' : ` ${text}`;
}
