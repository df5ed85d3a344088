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

/**
 * A writer that replaces an upgrade's per-group gauges with each new report's values (NaN changes
 * are left out; series of groups no longer reported are removed).
 */
export function groupGaugeWriter(gauges: MonitorGauges): (upgradeId: string, report: Report) => void {
  const written = new Map<string, { groups: Labels[]; statistics: Labels[] }>();
  return (upgradeId, report) => {
    const previous = written.get(upgradeId);
    for (const labels of previous?.groups ?? []) gauges.groupRegression.remove(labels);
    for (const labels of previous?.statistics ?? []) gauges.relativeChange.remove(labels);
    const now = { groups: [] as Labels[], statistics: [] as Labels[] };
    for (const group of report.groups) {
      const base = { upgrade: upgradeId, signal: group.signal, group: groupLabel(group.labels) };
      gauges.groupRegression.set(base, group.verdict === 'regression' ? 1 : 0);
      now.groups.push(base);
      for (const s of group.statistics) {
        if (!Number.isFinite(s.relativeChange)) continue;
        const labels = { ...base, statistic: s.name };
        gauges.relativeChange.set(labels, s.relativeChange);
        now.statistics.push(labels);
      }
    }
    written.set(upgradeId, now);
  };
}

/** Sets the open-findings gauge by signal (signals without open findings go to 0). */
export function setOpenFindings(gauges: MonitorGauges, open: readonly FindingRecord[]): void {
  gauges.openFindings.reset();
  const bySignal = new Map<string, number>();
  for (const f of open) bySignal.set(f.signal, (bySignal.get(f.signal) ?? 0) + 1);
  for (const [signal, count] of bySignal) gauges.openFindings.set({ signal }, count);
}
