/**
 * Sets the monitoring gauges (see `registerMonitorGauges`) from the latest report of an upgrade
 * and from the open findings, for Grafana panels and alert rules on shiftguard's own metrics.
 */
import type { Report } from '../report/report.js';
import type { FindingRecord } from '../store/state-store.js';
import type { Labels } from '../series/model.js';
import type { MonitorGauges } from '../telemetry/service-metrics.js';

/** Group label values as `k=v` pairs in label order, the `group` label of the gauges. */
export function groupLabel(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

/** The labels one report wrote, so the next report of the same upgrade can remove them. */
interface WrittenSeries {
  readonly groups: Labels[];
  readonly relativeChanges: Labels[];
  readonly statistics: Labels[];
}

/**
 * A writer that replaces an upgrade's per-group gauges with each new report's values: the verdict,
 * the relative change and the baseline and after values of every statistic (seconds for latency
 * quantiles, a ratio for ratio signals). Non-finite values (NaN, Infinity: too little data) are
 * left out; series of groups no longer reported are removed.
 */
export function groupGaugeWriter(gauges: MonitorGauges): (upgradeId: string, report: Report) => void {
  const written = new Map<string, WrittenSeries>();
  return (upgradeId, report) => {
    const previous = written.get(upgradeId);
    for (const labels of previous?.groups ?? []) gauges.groupRegression.remove(labels);
    for (const labels of previous?.relativeChanges ?? []) gauges.relativeChange.remove(labels);
    for (const labels of previous?.statistics ?? []) gauges.groupStatistic.remove(labels);
    const now: WrittenSeries = { groups: [], relativeChanges: [], statistics: [] };
    for (const group of report.groups) {
      const base = { upgrade: upgradeId, signal: group.signal, group: groupLabel(group.labels) };
      gauges.groupRegression.set(base, group.verdict === 'regression' ? 1 : 0);
      now.groups.push(base);
      for (const s of group.statistics) {
        const labels = { ...base, statistic: s.name };
        if (Number.isFinite(s.relativeChange)) {
          gauges.relativeChange.set(labels, s.relativeChange);
          now.relativeChanges.push(labels);
        }
        for (const [window, value] of [['baseline', s.baseline], ['after', s.after]] as const) {
          if (!Number.isFinite(value)) continue;
          const windowLabels = { ...labels, window };
          gauges.groupStatistic.set(windowLabels, value);
          now.statistics.push(windowLabels);
        }
      }
    }
    written.set(upgradeId, now);
  };
}

/** Signals each open-findings gauge has shown, kept at 0 once their findings are resolved. */
const seenSignals = new WeakMap<MonitorGauges['openFindings'], Set<string>>();

/**
 * Sets the open-findings gauge by signal. A signal that had open findings before stays at 0 once
 * they are resolved, so its series does not vanish from dashboards.
 */
export function setOpenFindings(gauges: MonitorGauges, open: readonly FindingRecord[]): void {
  const seen = seenSignals.get(gauges.openFindings) ?? new Set<string>();
  seenSignals.set(gauges.openFindings, seen);
  const bySignal = new Map<string, number>([...seen].map((signal) => [signal, 0]));
  for (const f of open) bySignal.set(f.signal, (bySignal.get(f.signal) ?? 0) + 1);
  gauges.openFindings.reset();
  for (const [signal, count] of bySignal) {
    gauges.openFindings.set({ signal }, count);
    seen.add(signal);
  }
}
