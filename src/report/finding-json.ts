/**
 * A finding as shiftguard shows it outside: in `GET /api/v1/findings` and in webhook events (times as
 * ISO 8601, the upgrade under `upgrade`). One shape, so a receiver can match what the API lists.
 */
import type { FindingRecord } from '../store/state-store.js';

export interface FindingJson {
  readonly id: string;
  readonly upgrade: string;
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly verdict: string;
  readonly statistics: unknown;
  readonly suspects: unknown;
  /** ISO 8601. */
  readonly openedAt: string;
  readonly updatedAt: string;
  /** ISO 8601, null while open. */
  readonly resolvedAt: string | null;
}

/** The outside view of a stored finding. */
export function findingJson(f: FindingRecord): FindingJson {
  return {
    id: f.id,
    upgrade: f.upgradeId,
    signal: f.signal,
    labels: { ...f.labels },
    verdict: f.verdict,
    statistics: f.statistics ?? null,
    suspects: f.suspects ?? null,
    openedAt: new Date(f.openedAtMs).toISOString(),
    updatedAt: new Date(f.updatedAtMs).toISOString(),
    resolvedAt: f.resolvedAtMs === null ? null : new Date(f.resolvedAtMs).toISOString(),
  };
}
