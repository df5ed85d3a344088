/**
 * The SQLite adapter of the `StateStore` port (the default store), on better-sqlite3. Settings and
 * their reasons (WAL, `synchronous=FULL`, `busy_timeout`, `BEGIN IMMEDIATE`) are in
 * `sqlite-connection.ts`; the schema is in `migrations/sqlite-migrations.ts`. Every write that
 * touches a decision runs in one transaction with its audit row.
 *
 * Leadership: SQLite means one replica (one process owns the file; see `src/tune/sole-leader.ts`),
 * but terms and fencing still hold if a second process opens the same file: term claims and fenced
 * decision writes each run in one `BEGIN IMMEDIATE` transaction, which SQLite serialises.
 */
import type { Database, Statement } from 'better-sqlite3';
import { labelsKey } from '../series/model.js';
import { decisionCreatedAudit, decisionTransitionAudit, transitionConflictMessage } from './decision-audit.js';
import { decisionFenceSubject, fenceLeaderEpoch, leaderElectedAudit, newDecisionFenceSubject } from './leader-fencing.js';
import { jsonText } from './json-value.js';
import { migrateSqlite } from './migrations/sqlite-migrator.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite-migrations.js';
import type { Migration } from './migrations/migration.js';
import {
  checkAuditQuery, checkFindingUpdate, checkLeaderClaim, checkMs, checkNewAudit, checkNewDecision, checkOneOf, checkTransition,
  checkSetting, checkUpgradeRecord, parseRecordId, queryStatuses,
} from './record-checks.js';
import { runSync } from './run-sync.js';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_PATH, openSqliteDatabase } from './sqlite-connection.js';
import { toAuditEntry, toDecisionRecord, toFindingRecord, toLeaderTerm, toSettingRecord, toStoredReport, toUpgradeRecord } from './sql-rows.js';
import type { Row, RowCodec } from './sql-rows.js';
import { StoreConflictError, StoreError, StoreNotFoundError } from './store-error.js';
import { UPGRADE_STATUSES } from './state-store.js';
import type {
  AuditEntry, AuditQuery, DecisionPatch, DecisionQuery, DecisionRecord, DecisionStatus, FindingQuery, FindingRecord,
  FindingUpdate, FindingUpsert, LeaderTerm, NewAuditEntry, NewDecision, SettingRecord, StateStore, StoredReport, UpgradeRecord,
  UpgradeStatus,
} from './state-store.js';

/** How to open a {@link SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /**
   * Database file (created with its directory; relative paths resolve against the working directory),
   * or `:memory:` for a private in-memory database. Default `./data/shiftguard.db`.
   */
  readonly path?: string;
  /** Wait for another connection's write lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Clock stamping `schema_migrations.applied_at_ms` (default `Date.now`). */
  readonly nowMs?: () => number;
  /** Schema migrations (default: the adapter's own list; tests pass others). */
  readonly migrations?: readonly Migration[];
}

const CODEC: RowCodec = { json: (value) => JSON.parse(value as string) as unknown };

const INSERT_AUDIT = 'INSERT INTO audit_log (at_ms, actor, action, subject, details) VALUES (?, ?, ?, ?, ?) RETURNING *';
const INSERT_FINDING = `INSERT INTO findings (upgrade_id, signal, labels, labels_key, verdict, statistics, suspects, opened_at_ms, updated_at_ms)
  VALUES (@upgradeId, @signal, @labels, @labelsKey, @verdict, @statistics, @suspects, @atMs, @atMs)
  ON CONFLICT (upgrade_id, signal, labels_key) WHERE resolved_at_ms IS NULL DO NOTHING RETURNING *`;
const UPDATE_FINDING = `UPDATE findings SET verdict = @verdict, statistics = @statistics, suspects = @suspects, updated_at_ms = @atMs
  WHERE upgrade_id = @upgradeId AND signal = @signal AND labels_key = @labelsKey AND resolved_at_ms IS NULL RETURNING *`;
const INSERT_DECISION = `INSERT INTO decisions (upgrade_id, flag, kind, proposal, status, requested_by, approved_by, leader_epoch,
  created_at_ms, updated_at_ms, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING *`;
const TRANSITION_DECISION = `UPDATE decisions SET status = @to, approved_by = COALESCE(@approvedBy, approved_by),
  proposal = COALESCE(@proposal, proposal), leader_epoch = COALESCE(@leaderEpoch, leader_epoch),
  updated_at_ms = @atMs, version = version + 1
  WHERE id = @id AND status = @from AND version = @expectedVersion RETURNING *`;
const CLAIM_TERM = `INSERT INTO leader_terms (epoch, holder, claimed_at_ms)
  SELECT COALESCE(MAX(epoch), 0) + 1, ?, ? FROM leader_terms RETURNING *`;
const CURRENT_TERM = 'SELECT * FROM leader_terms ORDER BY epoch DESC LIMIT 1';

/** `StateStore` on a SQLite file (or `:memory:`). */
export class SqliteStateStore implements StateStore {
  private db: Database | null = null;
  private readonly statements = new Map<string, Statement>();
  private readonly path: string;

  constructor(private readonly options: SqliteStateStoreOptions = {}) {
    this.path = options.path ?? DEFAULT_SQLITE_PATH;
  }

  /** Opens the file (creating it), applies pending migrations; refuses a database newer than this code. */
  open(): Promise<void> {
    return runSync(() => {
      if (this.db !== null) return;
      const db = openSqliteDatabase(this.path, this.options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS);
      try {
        migrateSqlite(db, this.options.migrations ?? SQLITE_MIGRATIONS, `SQLite database ${this.path}`, this.options.nowMs ?? Date.now);
      } catch (error) {
        db.close();
        throw error;
      }
      this.db = db;
    });
  }

  /** Closes the connection (checkpointing the WAL); idempotent. */
  close(): Promise<void> {
    return runSync(() => {
      this.statements.clear();
      this.db?.close();
      this.db = null;
    });
  }

  /** Open and not closed. */
  ready(): boolean {
    return this.db !== null && this.db.open;
  }

  private sql(text: string): Statement {
    if (this.db === null) throw new StoreError('not_open', `SQLite state store ${this.path} is not open`);
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `body` in one `BEGIN IMMEDIATE` transaction; a full disk (SQLITE_FULL) is `StoreError('full')`. */
  private write<T>(body: () => T): Promise<T> {
    return runSync(() => {
      if (this.db === null) throw new StoreError('not_open', `SQLite state store ${this.path} is not open`);
      try {
        return this.db.transaction(body).immediate();
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code !== 'SQLITE_FULL') throw error;
        throw new StoreError('full', `SQLite database ${this.path} is full (no space left on its disk, or at its page limit): nothing was written; free space and retry`, { cause: error });
      }
    });
  }

  private requireUpgrade(id: string): void {
    if (this.sql('SELECT 1 FROM upgrades WHERE id = ?').get(id) === undefined) {
      throw new StoreNotFoundError(`upgrade ${JSON.stringify(id)} is not registered`);
    }
  }

  /** The newest term's epoch, or null; inside a write, the value a concurrent claim cannot change. */
  private currentEpoch(): number | null {
    const row = this.sql(CURRENT_TERM).get() as Row | undefined;
    return row === undefined ? null : toLeaderTerm(row).epoch;
  }

  private insertAudit(entry: NewAuditEntry): AuditEntry {
    const row = this.sql(INSERT_AUDIT).get(entry.atMs, entry.actor, entry.action, entry.subject, jsonText(entry.details)) as Row;
    return toAuditEntry(row, CODEC);
  }

  putUpgrade(record: UpgradeRecord, audit?: NewAuditEntry): Promise<UpgradeRecord> {
    return this.write(() => {
      checkUpgradeRecord(record);
      if (audit !== undefined) checkNewAudit(audit);
      const row = this.sql('INSERT INTO upgrades (id, document, registered_at_ms, status) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *')
        .get(record.id, jsonText(record.document), record.registeredAtMs, record.status) as Row | undefined;
      if (row === undefined) throw new StoreConflictError(`upgrade ${JSON.stringify(record.id)} is already registered`);
      if (audit !== undefined) this.insertAudit(audit);
      return toUpgradeRecord(row, CODEC);
    });
  }

  getUpgrade(id: string): Promise<UpgradeRecord | null> {
    return runSync(() => {
      const row = this.sql('SELECT * FROM upgrades WHERE id = ?').get(id) as Row | undefined;
      return row === undefined ? null : toUpgradeRecord(row, CODEC);
    });
  }

  listUpgrades(): Promise<UpgradeRecord[]> {
    return runSync(() => (this.sql('SELECT * FROM upgrades ORDER BY registered_at_ms, id').all() as Row[]).map((row) => toUpgradeRecord(row, CODEC)));
  }

  setUpgradeStatus(id: string, status: UpgradeStatus): Promise<UpgradeRecord> {
    return this.write(() => {
      checkOneOf(status, UPGRADE_STATUSES, 'status');
      const row = this.sql('UPDATE upgrades SET status = ? WHERE id = ? RETURNING *').get(status, id) as Row | undefined;
      if (row === undefined) throw new StoreNotFoundError(`upgrade ${JSON.stringify(id)} is not registered`);
      return toUpgradeRecord(row, CODEC);
    });
  }

  getSetting(key: string): Promise<SettingRecord | null> {
    return runSync(() => {
      const row = this.sql('SELECT * FROM settings WHERE key = ?').get(key) as Row | undefined;
      return row === undefined ? null : toSettingRecord(row, CODEC);
    });
  }

  putSetting(record: SettingRecord, audit: NewAuditEntry): Promise<SettingRecord> {
    return this.write(() => {
      checkSetting(record);
      checkNewAudit(audit);
      const row = this.sql(
        'INSERT INTO settings (key, value, updated_at_ms, updated_by) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by RETURNING *',
      ).get(record.key, jsonText(record.value), record.updatedAtMs, record.updatedBy) as Row;
      this.insertAudit(audit);
      return toSettingRecord(row, CODEC);
    });
  }

  putReport(upgradeId: string, report: unknown, generatedAtMs: number): Promise<StoredReport> {
    return this.write(() => {
      this.requireUpgrade(upgradeId);
      const row = this.sql(
        'INSERT INTO upgrade_reports (upgrade_id, report, generated_at_ms) VALUES (?, ?, ?) ' +
          'ON CONFLICT (upgrade_id) DO UPDATE SET report = excluded.report, generated_at_ms = excluded.generated_at_ms RETURNING *',
      ).get(upgradeId, jsonText(report), generatedAtMs) as Row;
      return toStoredReport(row, CODEC);
    });
  }

  getReport(upgradeId: string): Promise<StoredReport | null> {
    return runSync(() => {
      const row = this.sql('SELECT * FROM upgrade_reports WHERE upgrade_id = ?').get(upgradeId) as Row | undefined;
      return row === undefined ? null : toStoredReport(row, CODEC);
    });
  }

  upsertFinding(update: FindingUpdate): Promise<FindingUpsert> {
    return this.write(() => {
      checkFindingUpdate(update);
      this.requireUpgrade(update.upgradeId);
      const params = {
        upgradeId: update.upgradeId, signal: update.signal, labels: jsonText(update.labels), labelsKey: labelsKey(update.labels),
        verdict: update.verdict, statistics: jsonText(update.statistics), suspects: jsonText(update.suspects), atMs: update.atMs,
      };
      // Update first: an INSERT that meets the open finding burns an AUTOINCREMENT id all the same,
      // and a monitor upserts every open finding at every look (ids would leap by the hundreds).
      const { labels: _labels, ...updateParams } = params;
      const updated = this.sql(UPDATE_FINDING).get(updateParams) as Row | undefined;
      if (updated !== undefined) return { finding: toFindingRecord(updated, CODEC), opened: false };
      const inserted = this.sql(INSERT_FINDING).get(params) as Row;
      return { finding: toFindingRecord(inserted, CODEC), opened: true };
    });
  }

  resolveFinding(id: string, atMs: number): Promise<FindingRecord> {
    return this.write(() => {
      checkMs(atMs, 'atMs');
      const key = parseRecordId(id);
      const row = (this.sql('UPDATE findings SET resolved_at_ms = ? WHERE id = ? AND resolved_at_ms IS NULL RETURNING *').get(atMs, key) ??
        this.sql('SELECT * FROM findings WHERE id = ?').get(key)) as Row | undefined;
      if (row === undefined) throw new StoreNotFoundError(`finding ${JSON.stringify(id)} does not exist`);
      return toFindingRecord(row, CODEC);
    });
  }

  listFindings(query: FindingQuery = {}): Promise<FindingRecord[]> {
    return runSync(() => {
      const where = ['1 = 1'];
      const params: unknown[] = [];
      if (query.upgradeId !== undefined) {
        where.push('upgrade_id = ?');
        params.push(query.upgradeId);
      }
      if (query.open !== undefined) where.push(query.open ? 'resolved_at_ms IS NULL' : 'resolved_at_ms IS NOT NULL');
      const rows = this.sql(`SELECT * FROM findings WHERE ${where.join(' AND ')} ORDER BY id`).all(...params) as Row[];
      return rows.map((row) => toFindingRecord(row, CODEC));
    });
  }

  createDecision(decision: NewDecision): Promise<DecisionRecord> {
    return this.write(() => {
      checkNewDecision(decision);
      fenceLeaderEpoch(newDecisionFenceSubject(decision), decision.leaderEpoch, this.currentEpoch());
      this.requireUpgrade(decision.upgradeId);
      const row = this.sql(INSERT_DECISION).get(
        decision.upgradeId, decision.flag, decision.kind, jsonText(decision.proposal), decision.status, decision.requestedBy,
        decision.approvedBy, decision.leaderEpoch, decision.atMs, decision.atMs,
      ) as Row;
      const record = toDecisionRecord(row, CODEC);
      this.insertAudit(decisionCreatedAudit(record));
      return record;
    });
  }

  getDecision(id: string): Promise<DecisionRecord | null> {
    return runSync(() => {
      const row = this.sql('SELECT * FROM decisions WHERE id = ?').get(parseRecordId(id)) as Row | undefined;
      return row === undefined ? null : toDecisionRecord(row, CODEC);
    });
  }

  listDecisions(query: DecisionQuery = {}): Promise<DecisionRecord[]> {
    return runSync(() => {
      const statuses = queryStatuses(query);
      if (statuses?.length === 0) return [];
      const where = ['1 = 1'];
      const params: unknown[] = [];
      if (query.upgradeId !== undefined) {
        where.push('upgrade_id = ?');
        params.push(query.upgradeId);
      }
      if (statuses !== null) {
        where.push(`status IN (${statuses.map(() => '?').join(', ')})`);
        params.push(...statuses);
      }
      const rows = this.sql(`SELECT * FROM decisions WHERE ${where.join(' AND ')} ORDER BY id`).all(...params) as Row[];
      return rows.map((row) => toDecisionRecord(row, CODEC));
    });
  }

  transitionDecision(
    id: string, fromStatus: DecisionStatus, toStatus: DecisionStatus, patch: DecisionPatch, expectedVersion: number,
  ): Promise<DecisionRecord> {
    return this.write(() => {
      checkTransition(fromStatus, toStatus, patch, expectedVersion);
      if (patch.leaderEpoch !== undefined) fenceLeaderEpoch(decisionFenceSubject(id), patch.leaderEpoch, this.currentEpoch());
      const key = parseRecordId(id);
      const row = this.sql(TRANSITION_DECISION).get({
        id: key, from: fromStatus, to: toStatus, expectedVersion, atMs: patch.atMs, approvedBy: patch.approvedBy ?? null,
        proposal: patch.proposal === undefined ? null : jsonText(patch.proposal), leaderEpoch: patch.leaderEpoch ?? null,
      }) as Row | undefined;
      if (row === undefined) {
        const current = this.sql('SELECT * FROM decisions WHERE id = ?').get(key) as Row | undefined;
        if (current === undefined) throw new StoreNotFoundError(`decision ${JSON.stringify(id)} does not exist`);
        throw new StoreConflictError(transitionConflictMessage(id, toDecisionRecord(current, CODEC), fromStatus, expectedVersion));
      }
      const record = toDecisionRecord(row, CODEC);
      this.insertAudit(decisionTransitionAudit(fromStatus, record, patch));
      return record;
    });
  }

  claimLeaderTerm(holder: string, atMs: number): Promise<LeaderTerm> {
    return this.write(() => {
      checkLeaderClaim(holder, atMs);
      const term = toLeaderTerm(this.sql(CLAIM_TERM).get(holder, atMs) as Row);
      this.insertAudit(leaderElectedAudit(term));
      return term;
    });
  }

  currentLeaderTerm(): Promise<LeaderTerm | null> {
    return runSync(() => {
      const row = this.sql(CURRENT_TERM).get() as Row | undefined;
      return row === undefined ? null : toLeaderTerm(row);
    });
  }

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.write(() => {
      checkNewAudit(entry);
      return this.insertAudit(entry);
    });
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return runSync(() => {
      const { afterSeq, limit } = checkAuditQuery(query);
      const rows = this.sql('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
      return rows.map((row) => toAuditEntry(row, CODEC));
    });
  }
}
