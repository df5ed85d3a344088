/**
 * Verdicts: Benjamini-Hochberg over every tested statistic of one analysis (all groups, all
 * quantiles), then practical thresholds, then one verdict per group.
 */
import { benjaminiHochberg } from './stats/fdr.js';
import type { GroupDetection, StatisticResult, Verdict } from './statistic.js';

/**
 * Sets `qValue` and `verdict` on every statistic of every group (in place) and returns each
 * group's verdict. A statistic is a regression (improvement) when its BH-adjusted p-value is at
 * most `alpha`, it moved up (down), and the move is at least `minRelativeChange` of the baseline
 * and `minAbsoluteChange` in the metric's unit.
 */
export function assignVerdicts(groups: readonly GroupDetection[], alpha: number): Verdict[] {
  // One entry per distinct test: statistics of a group that share a testKey share a p-value.
  const tests = new Map<string, StatisticResult[]>();
  groups.forEach((group, g) => {
    group.statistics.forEach((s, j) => {
      if (s.verdict === 'inconclusive' || !Number.isFinite(s.pValue)) return;
      const key = `${g}|${s.testKey ?? j}`;
      tests.set(key, [...(tests.get(key) ?? []), s]);
    });
  });
  const members = [...tests.values()];
  const adjusted = benjaminiHochberg(members.map((m) => m[0]?.pValue ?? NaN));
  members.forEach((m, i) => m.forEach((s) => (s.qValue = adjusted[i] ?? NaN)));
  return groups.map((group) => {
    for (const s of group.statistics) {
      if (s.verdict === 'inconclusive') continue;
      judgeStatistic(s, alpha, group.minRelativeChange, group.minAbsoluteChange);
    }
    return groupVerdict(group.statistics);
  });
}

/**
 * The verdict of one statistic once its `qValue` is set: no_change when not significant or below
 * the practical thresholds (with the reason), else regression or improvement by direction.
 */
export function judgeStatistic(s: StatisticResult, alpha: number, minRelative: number, minAbsolute: number): void {
  if (!Number.isFinite(s.qValue)) {
    s.verdict = 'inconclusive';
    s.reason = 'the bootstrap could not estimate the variance (too few usable slices)';
    return;
  }
  if (s.qValue > alpha) {
    s.verdict = 'no_change';
    return;
  }
  const bigEnough = Math.abs(s.relativeChange) >= minRelative && Math.abs(s.absoluteChange) >= minAbsolute;
  if (!bigEnough) {
    s.verdict = 'no_change';
    s.reason =
      `significant (q=${s.qValue.toPrecision(2)}) but below the practical threshold ` +
      `(relative ${formatPercent(s.relativeChange)} vs ${formatPercent(minRelative)}, absolute ${s.absoluteChange.toPrecision(3)} vs ${minAbsolute})`;
    return;
  }
  s.verdict = s.relativeChange > 0 ? 'regression' : 'improvement';
}

/** regression if any statistic regressed; else improvement if any improved; else no_change; inconclusive if none could be tested. */
export function groupVerdict(statistics: readonly StatisticResult[]): Verdict {
  if (statistics.some((s) => s.verdict === 'regression')) return 'regression';
  if (statistics.some((s) => s.verdict === 'improvement')) return 'improvement';
  if (statistics.every((s) => s.verdict === 'inconclusive')) return 'inconclusive';
  return 'no_change';
}

function formatPercent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
