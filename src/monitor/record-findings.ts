/**
 * Findings follow the evaluations of an upgrade. While it is monitored, a group the sequential
 * test calls a regression opens (or updates) its finding, and nothing is resolved: a crossing of
 * the anytime-valid boundary stands. The final report decides: a group it calls a regression keeps
 * (or opens) its finding; every other open finding of the upgrade is resolved.
 */
import type { Report } from '../report/report.js';
import type { FindingRecord, FindingStore } from '../store/state-store.js';
import { labelsKey } from '../series/model.js';

/** What one call changed, for alerting. */
export interface FindingChanges {
  readonly resolved: FindingRecord[];
}

/** Writes the findings implied by `report` (JSON-safe: non-finite numbers become null). */
export async function recordFindings(
  store: FindingStore,
  upgradeId: string,
  report: Report,
  atMs: number,
  phase: 'monitoring' | 'final',
  changes: FindingChanges = { resolved: [] },
): Promise<FindingChanges> {
  const regressed = new Set<string>();
  for (const group of report.groups) {
    if (group.verdict !== 'regression') continue;
    regressed.add(`${group.signal}|${labelsKey(group.labels)}`);
    await store.upsertFinding({
      upgradeId,
      signal: group.signal,
      labels: group.labels,
      verdict: group.verdict,
      statistics: jsonSafe(group.statistics),
      suspects: jsonSafe(group.suspects),
      atMs,
    });
  }
  if (phase === 'final') {
    for (const open of await store.listFindings({ upgradeId, open: true })) {
      if (!regressed.has(`${open.signal}|${labelsKey(open.labels)}`)) changes.resolved.push(await store.resolveFinding(open.id, atMs));
    }
  }
  return changes;
}

function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}
