/**
 * Maps rows of the SQL adapters' tables (snake_case columns, as SQLite and PostgreSQL return them) to
 * domain records. The adapters differ only in how they return JSON (SQLite: text; PostgreSQL JSONB:
 * parsed) and integers (SQLite: numbers; PostgreSQL BIGINT: strings), which the caller's
 * {@link RowCodec} absorbs.
 */
import { StoreError } from './store-error.js';
import { DECISION_KINDS, DECISION_STATUSES, FINDING_VERDICTS, UPGRADE_STATUSES } from './state-store.js';
import type { AuditEntry, DecisionRecord, FindingRecord, LeaderTerm, SettingRecord, StoredReport, UpgradeRecord } from './state-store.js';
import type { Labels } from '../series/model.js';

/** A row as the driver returns it. */
export type Row = Readonly<Record<string, unknown>>;

/** How one adapter's driver returns JSON columns. */
export interface RowCodec {
  /** The value of a JSON column. */
  json(value: unknown): unknown;
}

function corrupt(table: string, column: string, value: unknown): never {
  throw new StoreError('corrupt_record', `${table}.${column}: unexpected value ${JSON.stringify(value)}`);
}

function int(row: Row, table: string, column: string): number {
  const value = row[column];
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) corrupt(table, column, String(value));
  return n;
}

function intOrNull(row: Row, table: string, column: string): number | null {
  return row[column] === null ? null : int(row, table, column);
}

function text(row: Row, table: string, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') corrupt(table, column, value);
  return value;
}

function oneOf<T extends string>(row: Row, table: string, column: string, allowed: readonly T[]): T {
  const value = text(row, table, column);
  if (!(allowed as readonly string[]).includes(value)) corrupt(table, column, value);
  return value as T;
}

/** Maps an `upgrades` row. */
export function toUpgradeRecord(row: Row, codec: RowCodec): UpgradeRecord {
  return {
    id: text(row, 'upgrades', 'id'),
    document: codec.json(row.document),
    registeredAtMs: int(row, 'upgrades', 'registered_at_ms'),
    status: oneOf(row, 'upgrades', 'status', UPGRADE_STATUSES),
  };
}

/** Maps a `settings` row. */
export function toSettingRecord(row: Row, codec: RowCodec): SettingRecord {
  return {
    key: text(row, 'settings', 'key'),
    value: codec.json(row.value),
    updatedAtMs: int(row, 'settings', 'updated_at_ms'),
    updatedBy: text(row, 'settings', 'updated_by'),
  };
}

/** Maps an `upgrade_reports` row. */
export function toStoredReport(row: Row, codec: RowCodec): StoredReport {
  return {
    upgradeId: text(row, 'upgrade_reports', 'upgrade_id'),
    report: codec.json(row.report),
    generatedAtMs: int(row, 'upgrade_reports', 'generated_at_ms'),
  };
}

/** Maps a `findings` row. */
export function toFindingRecord(row: Row, codec: RowCodec): FindingRecord {
  return {
    id: String(int(row, 'findings', 'id')),
    upgradeId: text(row, 'findings', 'upgrade_id'),
    signal: text(row, 'findings', 'signal'),
    labels: codec.json(row.labels) as Labels,
    verdict: oneOf(row, 'findings', 'verdict', FINDING_VERDICTS),
    statistics: codec.json(row.statistics),
    suspects: codec.json(row.suspects),
    openedAtMs: int(row, 'findings', 'opened_at_ms'),
    updatedAtMs: int(row, 'findings', 'updated_at_ms'),
    resolvedAtMs: intOrNull(row, 'findings', 'resolved_at_ms'),
  };
}

/** Maps a `decisions` row. */
export function toDecisionRecord(row: Row, codec: RowCodec): DecisionRecord {
  const approvedBy = row.approved_by;
  return {
    id: String(int(row, 'decisions', 'id')),
    upgradeId: text(row, 'decisions', 'upgrade_id'),
    flag: text(row, 'decisions', 'flag'),
    kind: oneOf(row, 'decisions', 'kind', DECISION_KINDS),
    proposal: codec.json(row.proposal),
    status: oneOf(row, 'decisions', 'status', DECISION_STATUSES),
    requestedBy: text(row, 'decisions', 'requested_by'),
    approvedBy: approvedBy === null ? null : text(row, 'decisions', 'approved_by'),
    leaderEpoch: int(row, 'decisions', 'leader_epoch'),
    createdAtMs: int(row, 'decisions', 'created_at_ms'),
    updatedAtMs: int(row, 'decisions', 'updated_at_ms'),
    version: int(row, 'decisions', 'version'),
  };
}

/** Maps an `audit_log` row. */
export function toAuditEntry(row: Row, codec: RowCodec): AuditEntry {
  return {
    seq: int(row, 'audit_log', 'seq'),
    atMs: int(row, 'audit_log', 'at_ms'),
    actor: text(row, 'audit_log', 'actor'),
    action: text(row, 'audit_log', 'action'),
    subject: text(row, 'audit_log', 'subject'),
    details: codec.json(row.details),
  };
}

/** Maps a `leader_terms` row (no JSON columns, so no codec). */
export function toLeaderTerm(row: Row): LeaderTerm {
  const epoch = int(row, 'leader_terms', 'epoch');
  if (epoch < 1) corrupt('leader_terms', 'epoch', epoch);
  return {
    epoch,
    holder: text(row, 'leader_terms', 'holder'),
    claimedAtMs: int(row, 'leader_terms', 'claimed_at_ms'),
  };
}
