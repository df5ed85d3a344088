/**
 * The PostgreSQL adapter's statements that run inside a transaction (on one client), and its row
 * mappers (JSONB arrives parsed; BIGINT arrives as a string).
 */
import type { PoolClient, QueryResultRow } from 'pg';
import { jsonText } from './json-value.js';
import { StoreError } from './store-error.js';
import { toAuditEntry, toDecisionRecord, toFindingRecord, toLeaderTerm, toSettingRecord, toStoredReport, toUpgradeRecord } from './sql-rows.js';
import type { RowCodec } from './sql-rows.js';
import type {
  AuditEntry, DecisionPatch, DecisionRecord, DecisionStatus, FindingRecord, FindingUpdate, FindingUpsert, LeaderTerm, NewAuditEntry,
  NewDecision, SettingRecord, StoredReport, UpgradeRecord,
} from './state-store.js';

const CODEC: RowCodec = { json: (value) => value };

const INSERT_FINDING = `INSERT INTO findings (upgrade_id, signal, labels, labels_key, verdict, statistics, suspects, opened_at_ms, updated_at_ms)
  VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7::jsonb, $8, $8)
  ON CONFLICT (upgrade_id, signal, labels_key) WHERE resolved_at_ms IS NULL DO NOTHING RETURNING *`;
const UPDATE_FINDING = `UPDATE findings SET verdict = $4, statistics = $5::jsonb, suspects = $6::jsonb, updated_at_ms = $7
  WHERE upgrade_id = $1 AND signal = $2 AND labels_key = $3 AND resolved_at_ms IS NULL RETURNING *`;
const INSERT_DECISION = `INSERT INTO decisions (upgrade_id, flag, kind, proposal, status, requested_by, approved_by, leader_epoch,
  created_at_ms, updated_at_ms, version) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $9, 1) RETURNING *`;
const TRANSITION_DECISION = `UPDATE decisions SET status = $3, approved_by = COALESCE($5, approved_by),
  proposal = COALESCE($6::jsonb, proposal), leader_epoch = COALESCE($7, leader_epoch), updated_at_ms = $8, version = version + 1
  WHERE id = $1 AND status = $2 AND version = $4 RETURNING *`;

/** Writes and reads on one client inside a transaction. */
export class PostgresRecords {
  constructor(private readonly client: PoolClient) {}

  /** Maps an `upgrades` row. */
  static upgrade(row: QueryResultRow): UpgradeRecord {
    return toUpgradeRecord(row, CODEC);
  }

  /** Maps a `settings` row. */
  static setting(row: QueryResultRow): SettingRecord {
    return toSettingRecord(row, CODEC);
  }

  /** Maps an `upgrade_reports` row. */
  static report(row: QueryResultRow): StoredReport {
    return toStoredReport(row, CODEC);
  }

  /** Maps a `findings` row. */
  static finding(row: QueryResultRow): FindingRecord {
    return toFindingRecord(row, CODEC);
  }

  /** Maps a `decisions` row. */
  static decision(row: QueryResultRow): DecisionRecord {
    return toDecisionRecord(row, CODEC);
  }

  /** Maps an `audit_log` row. */
  static audit(row: QueryResultRow): AuditEntry {
    return toAuditEntry(row, CODEC);
  }

  /** Maps a `leader_terms` row. */
  static leaderTerm(row: QueryResultRow): LeaderTerm {
    return toLeaderTerm(row);
  }

  private async rows(text: string, params: unknown[]): Promise<QueryResultRow[]> {
    return (await this.client.query(text, params)).rows;
  }

  /**
   * Opens or updates the open finding of the update's key (`labelsKey` precomputed). An insert that
   * meets a concurrent one waits for it and then updates its row; if that row was resolved meanwhile,
   * the insert is tried again (at most a few rounds: each round needs another writer to win).
   */
  async upsertFinding(update: FindingUpdate, labelsKey: string): Promise<FindingUpsert> {
    const statistics = jsonText(update.statistics);
    const suspects = jsonText(update.suspects);
    // Update first: an INSERT that meets the open finding takes a sequence value all the same, and
    // a monitor upserts every open finding at every look, so ids would leap by the hundreds.
    for (let round = 0; round < 5; round++) {
      const updated = (await this.rows(UPDATE_FINDING, [update.upgradeId, update.signal, labelsKey, update.verdict, statistics, suspects, update.atMs]))[0];
      if (updated !== undefined) return { finding: PostgresRecords.finding(updated), opened: false };
      const inserted = (await this.rows(INSERT_FINDING, [
        update.upgradeId, update.signal, jsonText(update.labels), labelsKey, update.verdict, statistics, suspects, update.atMs,
      ]))[0];
      if (inserted !== undefined) return { finding: PostgresRecords.finding(inserted), opened: true };
    }
    throw new Error(`finding ${update.signal} ${labelsKey} of upgrade ${update.upgradeId} kept changing under concurrent writers`);
  }

  /** Inserts a decision at version 1. */
  async insertDecision(decision: NewDecision): Promise<DecisionRecord> {
    const rows = await this.rows(INSERT_DECISION, [
      decision.upgradeId, decision.flag, decision.kind, jsonText(decision.proposal), decision.status, decision.requestedBy,
      decision.approvedBy, decision.leaderEpoch, decision.atMs,
    ]);
    return PostgresRecords.decision(rows[0] as QueryResultRow);
  }

  /** The compare-and-set of a transition: the updated decision, or null when id/status/version did not match. */
  async compareAndSetDecision(
    id: number, from: DecisionStatus, to: DecisionStatus, patch: DecisionPatch, expectedVersion: number,
  ): Promise<DecisionRecord | null> {
    const row = (await this.rows(TRANSITION_DECISION, [
      id, from, to, expectedVersion, patch.approvedBy ?? null, patch.proposal === undefined ? null : jsonText(patch.proposal),
      patch.leaderEpoch ?? null, patch.atMs,
    ]))[0];
    return row === undefined ? null : PostgresRecords.decision(row);
  }

  /** The decision with this id, or null. */
  async decision(id: number): Promise<DecisionRecord | null> {
    const row = (await this.rows('SELECT * FROM decisions WHERE id = $1', [id]))[0];
    return row === undefined ? null : PostgresRecords.decision(row);
  }

  /**
   * Starts the next term: bumps the `leader_term` row (its row lock waits for fenced writes that read
   * it `FOR SHARE` and makes them wait for this transaction) and records the term in the history.
   */
  async claimLeaderTerm(holder: string, atMs: number): Promise<LeaderTerm> {
    const counter = (await this.rows('UPDATE leader_term SET epoch = epoch + 1 RETURNING epoch', []))[0];
    if (counter === undefined) throw new StoreError('corrupt_record', 'leader_term: the row holding the newest epoch is missing');
    const rows = await this.rows('INSERT INTO leader_terms (epoch, holder, claimed_at_ms) VALUES ($1, $2, $3) RETURNING *', [counter.epoch, holder, atMs]);
    return PostgresRecords.leaderTerm(rows[0] as QueryResultRow);
  }

  /**
   * The newest term's epoch (null when none was claimed), read `FOR SHARE`: until this transaction
   * ends, no claim can commit, so a fenced write checked against it cannot be overtaken by a newer term.
   */
  async lockedLeaderEpoch(): Promise<number | null> {
    const row = (await this.rows('SELECT epoch FROM leader_term FOR SHARE', []))[0];
    if (row === undefined) throw new StoreError('corrupt_record', 'leader_term: the row holding the newest epoch is missing');
    const epoch = Number(row.epoch);
    return epoch === 0 ? null : epoch;
  }

  /** Writes (inserts or replaces) a setting. */
  async upsertSetting(record: SettingRecord): Promise<SettingRecord> {
    const rows = await this.rows(
      'INSERT INTO settings (key, value, updated_at_ms, updated_by) VALUES ($1, $2::jsonb, $3, $4) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by RETURNING *',
      [record.key, jsonText(record.value), record.updatedAtMs, record.updatedBy],
    );
    return PostgresRecords.setting(rows[0] as QueryResultRow);
  }

  /** Inserts an upgrade; null when the id is taken. */
  async insertUpgrade(record: UpgradeRecord): Promise<UpgradeRecord | null> {
    const rows = await this.rows('INSERT INTO upgrades (id, document, registered_at_ms, status) VALUES ($1, $2::jsonb, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *',
      [record.id, jsonText(record.document), record.registeredAtMs, record.status]);
    return rows[0] === undefined ? null : PostgresRecords.upgrade(rows[0]);
  }

  /** Appends an audit row (the caller holds the audit lock). */
  async insertAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const rows = await this.rows('INSERT INTO audit_log (at_ms, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING *',
      [entry.atMs, entry.actor, entry.action, entry.subject, jsonText(entry.details)]);
    return PostgresRecords.audit(rows[0] as QueryResultRow);
  }
}
