/**
 * Turns one analysed group into its report entry; for a regression, dates the shift on each
 * instance and ranks the changed binaries that may explain it.
 */
import { CTRL, TREAT } from '../detect/panel.js';
import { estimateOnsets, groupOnsetMs, onsetContext } from '../detect/onset.js';
import { alignedEvidence, alignedLogBayesFactor, alignedProfile } from '../attribute/event-study.js';
import type { StatisticResult, Verdict } from '../detect/statistic.js';
import { attributeShift } from '../attribute/attribute-shift.js';
import type { ReportGroup, ReportStatistic } from '../report/report.js';
import type { AnalysedGroup } from './signal-groups.js';

/** The report entry of `group` with verdict `verdict`. */
export function reportGroup(group: AnalysedGroup, verdict: Verdict, startedAtMs: number): ReportGroup {
  const { detection } = group;
  const base = {
    signal: group.signal.name,
    labels: group.labels,
    verdict,
    statistics: detection.statistics.map(reportStatistic),
    design: detection.design,
    notes: detection.notes,
    instances: {
      upgraded: group.tracks.filter((t) => t.state.includes(TREAT)).length,
      controls: group.tracks.filter((t) => t.state.includes(CTRL)).length,
    },
    ...groupReason(verdict, detection.statistics),
  };
  if (verdict !== 'regression') return { ...base, onset: null, suspects: [] };
  const lead = leadIndex(detection.statistics);
  const panel = detection.onsetPanels[lead];
  if (panel === null || panel === undefined) return { ...base, onset: null, suspects: [] };
  const alignment = onsetContext(panel, detection.design);
  const onsets = estimateOnsets(panel, alignment);
  const onsetMs = groupOnsetMs(onsets);
  const profiles = new Map(group.rollout.candidates.map((c) => [c.binary, alignedProfile(panel, c.rolloutAtMs, alignment)]));
  const suspects = attributeShift({
    grid: group.grid,
    onsets,
    candidates: group.rollout.candidates,
    startedAtMs,
    logBayesFactorOf: (c) => {
      const profile = profiles.get(c.binary);
      return profile ? alignedLogBayesFactor(profile) : 0;
    },
    evidenceOf: (c) => {
      const profile = profiles.get(c.binary);
      return profile ? [alignedEvidence(profile, c.binary, group.grid.sliceMs)] : [];
    },
  });
  return {
    ...base,
    onset: onsetMs === null ? null : new Date(onsetMs).toISOString(),
    onsets: onsets.map((o) => ({ instance: o.instance, at: new Date(o.onsetMs).toISOString() })),
    suspects,
  };
}

/** The regressed statistic with the smallest q-value: its change point dates the shift best. */
function leadIndex(statistics: readonly StatisticResult[]): number {
  let best = -1;
  statistics.forEach((s, i) => {
    if (s.verdict !== 'regression') return;
    if (best < 0 || s.qValue < (statistics[best]?.qValue ?? Infinity)) best = i;
  });
  return best;
}

/**
 * Why a group is inconclusive; or, for a decided group, which of its statistics could not be
 * tested (a `no_change` must not hide an untested p99).
 */
function groupReason(verdict: Verdict, statistics: readonly StatisticResult[]): { reason?: string } {
  if (verdict === 'inconclusive') return { reason: inconclusiveReason(statistics) };
  const untested = statistics.filter((s) => s.verdict === 'inconclusive');
  if (untested.length === 0) return {};
  return { reason: `not tested: ${untested.map((s) => `${s.name} (${s.reason ?? 'too little data'})`).join('; ')}` };
}

function inconclusiveReason(statistics: readonly StatisticResult[]): string {
  const reasons = [...new Set(statistics.map((s) => s.reason).filter((r): r is string => r !== undefined))];
  return reasons.join('; ') || 'too little data';
}

function reportStatistic(s: StatisticResult): ReportStatistic {
  return {
    name: s.name,
    baseline: s.baseline,
    after: s.after,
    ...(s.observedAfter !== undefined ? { observedAfter: s.observedAfter } : {}),
    relativeChange: s.relativeChange,
    ci: s.ci,
    pValue: s.pValue,
    qValue: s.qValue,
    test: s.test,
    absoluteChange: s.absoluteChange,
    verdict: s.verdict,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    design: s.design,
    ...(s.exceedance ? { exceedance: s.exceedance } : {}),
    ...(s.resolution ? { resolution: s.resolution } : {}),
    ...(s.secondOpinion ? { secondOpinion: s.secondOpinion } : {}),
  };
}
