/**
 * Findings follow the evaluations of an upgrade: a group that regressed opens (or updates) its
 * finding; an open finding whose group no longer regressed is resolved.
 */
import type { Report } from '../report/report.js';
import type { FindingStore } from '../store/state-store.js';
import { labelsKey } from '../series/model.js';

/** Writes the findings implied by `report` (JSON-safe: non-finite numbers become null). */
export async function recordFindings(store: FindingStore, upgradeId: string, report: Report, atMs: number): Promise<void> {
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
  for (const open of await store.listFindings({ upgradeId, open: true })) {
    if (!regressed.has(`${open.signal}|${labelsKey(open.labels)}`)) await store.resolveFinding(open.id, atMs);
  }
}

function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}
