/**
 * The PostgreSQL adapter of the `StateStore` port, on a `pg` Pool; for several service replicas
 * sharing one database. Concurrency: the decision compare-and-set is one conditional
 * `UPDATE … WHERE id AND status AND version` (READ COMMITTED: a concurrent writer of the same row
 * waits for the row lock, then re-checks the condition and finds it false), and every audited write
 * first takes the audit advisory lock (see `postgres-transaction.ts`), so exactly one of two racing
 * transitions wins and audit seqs follow commit order. Schema: `migrations/postgres-migrations.ts`.
 *
 * Leadership: a term claim bumps the single `leader_term` row; a fenced decision write reads that row
 * `FOR SHARE` in its own transaction before writing. The row lock orders the two: a claim that
 * committed first is seen (and the stale write refused), a claim that comes later waits for the
 * write to commit. (Both are audited writes and so also serialised by the audit lock; the row lock
 * keeps fencing correct on its own.)
 */
import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { labelsKey } from '../series/model.js';
import { decisionCreatedAudit, decisionTransitionAudit, transitionConflictMessage } from './decision-audit.js';
import { decisionFenceSubject, fenceLeaderEpoch, leaderElectedAudit, newDecisionFenceSubject } from './leader-fencing.js';
import { jsonText, unstorableTextReason } from './json-value.js';
import type { Migration } from './migrations/migration.js';
import { migratePostgres } from './migrations/postgres-migrator.js';
import { POSTGRES_MIGRATIONS } from './migrations/postgres-migrations.js';
import {
  AUDIT_LOCK_KEY, inTransaction, isConnectionError, redactUrl, sqlState,
} from './postgres-transaction.js';
import { PostgresRecords } from './postgres-records.js';
import {
  checkAuditQuery, checkFindingUpdate, checkLeaderClaim, checkMs, checkNewAudit, checkNewDecision, checkOneOf, checkTransition,
  checkSetting, checkUpgradeRecord, parseRecordId, queryStatuses,
} from './record-checks.js';
import { StoreConflictError, StoreError, StoreNotFoundError } from './store-error.js';
import { UPGRADE_STATUSES } from './state-store.js';
import type {
  AuditEntry, AuditQuery, DecisionPatch, DecisionQuery, DecisionRecord, DecisionStatus, FindingQuery, FindingRecord,
  FindingUpdate, FindingUpsert, LeaderTerm, NewAuditEntry, NewDecision, SettingRecord, StateStore, StoredReport, UpgradeRecord,
  UpgradeStatus,
} from './state-store.js';

/** How to open a {@link PostgresStateStore}. */
export interface PostgresStateStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style URL as `pg` reads it). */
  readonly url: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** Wait for a new connection, in ms (default 10000); 0 waits forever. */
  readonly connectTimeoutMs?: number;
  /** `application_name` shown in `pg_stat_activity` (default `shiftguard`). */
  readonly applicationName?: string;
  /** Clock stamping `schema_migrations.applied_at_ms` (default `Date.now`). */
  readonly nowMs?: () => number;
  /** Schema migrations (default: the adapter's own list; tests pass others). */
  readonly migrations?: readonly Migration[];
  /**
   * How often an idle store checks its database with `SELECT 1`, in ms (default 5000; 0: never), so
   * `ready()` follows an outage, and the recovery after it, without waiting for the next real query.
   */
  readonly heartbeatMs?: number;
}

/** Default of {@link PostgresStateStoreOptions.heartbeatMs}: a readiness probe (every 10 s by default in Kubernetes) sees a state at most this old. */
const DEFAULT_HEARTBEAT_MS = 5000;

/** `StateStore` on PostgreSQL. */
export class PostgresStateStore implements StateStore {
  private pool: Pool | null = null;
  private opening: Promise<void> | null = null;
  private healthy = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private readonly label: string;

  constructor(private readonly options: PostgresStateStoreOptions) {
    this.label = `PostgreSQL database ${redactUrl(options.url)}`;
  }

  /** Connects, applies pending migrations; refuses a database newer than this code. */
  async open(): Promise<void> {
    if (this.pool !== null) return;
    this.opening ??= this.connect().finally(() => {
      this.opening = null;
    });
    await this.opening;
  }

  private async connect(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.options.url,
      max: this.options.maxConnections ?? 10,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 10_000,
      application_name: this.options.applicationName ?? 'shiftguard',
      // TCP keep-alive notices a silently dead server on idle connections, not only on the next query.
      keepAlive: true,
    });
    // An idle client losing its connection emits here (unhandled, it would crash the process); the
    // pool drops that client, and the next successful query marks the store healthy again.
    pool.on('error', () => {
      this.healthy = false;
    });
    try {
      await migratePostgres(pool, this.options.migrations ?? POSTGRES_MIGRATIONS, this.label, this.options.nowMs ?? Date.now);
    } catch (error) {
      await pool.end();
      throw this.unavailable(error);
    }
    this.pool = pool;
    this.healthy = true;
    const every = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (every > 0) {
      this.heartbeat = setInterval(() => this.beat(), every);
      this.heartbeat.unref();
    }
  }

  /** One `SELECT 1` (none while the last is still waiting); `guarded` records the outcome in `healthy`. */
  private beat(): void {
    if (this.heartbeatInFlight || this.pool === null) return;
    this.heartbeatInFlight = true;
    this.query('SELECT 1')
      .catch(() => undefined)
      .finally(() => {
        this.heartbeatInFlight = false;
      });
  }

  /** Ends the pool; idempotent. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.healthy = false;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await pool?.end();
  }

  /** Open, and the last database round trip (a heartbeat when idle) did not fail for a connection reason. */
  ready(): boolean {
    return this.pool !== null && this.healthy;
  }

  private unavailable(error: unknown): unknown {
    if (!isConnectionError(error)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new StoreError('unavailable', `${this.label} is unavailable: ${reason}`, { cause: error });
  }

  /** Runs a database call, tracking connection health and mapping connection errors to `unavailable`. */
  private async guarded<T>(body: (pool: Pool) => Promise<T>): Promise<T> {
    if (this.pool === null) throw new StoreError('not_open', `${this.label}: state store is not open`);
    try {
      const result = await body(this.pool);
      this.healthy = true;
      return result;
    } catch (error) {
      if (isConnectionError(error)) this.healthy = false;
      throw this.unavailable(error);
    }
  }

  private async query<R extends QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return this.guarded(async (pool) => (await pool.query<R>(text, params)).rows);
  }

  /** One transaction that appends to the audit log: takes the audit lock first. */
  private audited<T>(body: (records: PostgresRecords) => Promise<T>): Promise<T> {
    return this.guarded((pool) => inTransaction(pool, async (client: PoolClient) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      return body(new PostgresRecords(client));
    }));
  }

  async putUpgrade(record: UpgradeRecord, audit?: NewAuditEntry): Promise<UpgradeRecord> {
    checkUpgradeRecord(record);
    if (audit !== undefined) {
      checkNewAudit(audit);
      return this.audited(async (records) => {
        const inserted = await records.insertUpgrade(record);
        if (inserted === null) throw new StoreConflictError(`upgrade ${JSON.stringify(record.id)} is already registered`);
        await records.insertAudit(audit);
        return inserted;
      });
    }
    const rows = await this.query('INSERT INTO upgrades (id, document, registered_at_ms, status) VALUES ($1, $2::jsonb, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *',
      [record.id, jsonText(record.document), record.registeredAtMs, record.status]);
    const row = rows[0];
    if (row === undefined) throw new StoreConflictError(`upgrade ${JSON.stringify(record.id)} is already registered`);
    return PostgresRecords.upgrade(row);
  }

  async getUpgrade(id: string): Promise<UpgradeRecord | null> {
    if (unstorableTextReason(id) !== null) return null;
    const row = (await this.query('SELECT * FROM upgrades WHERE id = $1', [id]))[0];
    return row === undefined ? null : PostgresRecords.upgrade(row);
  }

  async listUpgrades(): Promise<UpgradeRecord[]> {
    return (await this.query('SELECT * FROM upgrades ORDER BY registered_at_ms, id COLLATE "C"')).map((row) => PostgresRecords.upgrade(row));
  }

  async setUpgradeStatus(id: string, status: UpgradeStatus): Promise<UpgradeRecord> {
    checkOneOf(status, UPGRADE_STATUSES, 'status');
    const rows = unstorableTextReason(id) === null ? await this.query('UPDATE upgrades SET status = $1 WHERE id = $2 RETURNING *', [status, id]) : [];
    const row = rows[0];
    if (row === undefined) throw new StoreNotFoundError(`upgrade ${JSON.stringify(id)} is not registered`);
    return PostgresRecords.upgrade(row);
  }

  async getSetting(key: string): Promise<SettingRecord | null> {
    if (unstorableTextReason(key) !== null) return null;
    const row = (await this.query('SELECT * FROM settings WHERE key = $1', [key]))[0];
    return row === undefined ? null : PostgresRecords.setting(row);
  }

  async putSetting(record: SettingRecord, audit: NewAuditEntry): Promise<SettingRecord> {
    checkSetting(record);
    checkNewAudit(audit);
    return this.audited(async (records) => {
      const setting = await records.upsertSetting(record);
      await records.insertAudit(audit);
      return setting;
    });
  }

  async putReport(upgradeId: string, report: unknown, generatedAtMs: number): Promise<StoredReport> {
    if (unstorableTextReason(upgradeId) !== null || (await this.getUpgrade(upgradeId)) === null) {
      throw new StoreNotFoundError(`upgrade ${JSON.stringify(upgradeId)} is not registered`);
    }
    const rows = await this.query(
      'INSERT INTO upgrade_reports (upgrade_id, report, generated_at_ms) VALUES ($1, $2::jsonb, $3) ' +
        'ON CONFLICT (upgrade_id) DO UPDATE SET report = excluded.report, generated_at_ms = excluded.generated_at_ms RETURNING *',
      [upgradeId, jsonText(report), generatedAtMs],
    );
    return PostgresRecords.report(rows[0] as QueryResultRow);
  }

  async getReport(upgradeId: string): Promise<StoredReport | null> {
    if (unstorableTextReason(upgradeId) !== null) return null;
    const row = (await this.query('SELECT * FROM upgrade_reports WHERE upgrade_id = $1', [upgradeId]))[0];
    return row === undefined ? null : PostgresRecords.report(row);
  }

  async upsertFinding(update: FindingUpdate): Promise<FindingUpsert> {
    checkFindingUpdate(update);
    const key = labelsKey(update.labels);
    try {
      return await this.guarded((pool) => inTransaction(pool, (client) => new PostgresRecords(client).upsertFinding(update, key)));
    } catch (error) {
      if (sqlState(error) === '23503') throw new StoreNotFoundError(`upgrade ${JSON.stringify(update.upgradeId)} is not registered`);
      throw error;
    }
  }

  async resolveFinding(id: string, atMs: number): Promise<FindingRecord> {
    checkMs(atMs, 'atMs');
    const key = parseRecordId(id);
    if (key !== null) {
      const rows = await this.query('UPDATE findings SET resolved_at_ms = $1 WHERE id = $2 AND resolved_at_ms IS NULL RETURNING *', [atMs, key]);
      const row = rows[0] ?? (await this.query('SELECT * FROM findings WHERE id = $1', [key]))[0];
      if (row !== undefined) return PostgresRecords.finding(row);
    }
    throw new StoreNotFoundError(`finding ${JSON.stringify(id)} does not exist`);
  }

  async listFindings(query: FindingQuery = {}): Promise<FindingRecord[]> {
    if (query.upgradeId !== undefined && unstorableTextReason(query.upgradeId) !== null) return [];
    const where = ['TRUE'];
    const params: unknown[] = [];
    if (query.upgradeId !== undefined) {
      params.push(query.upgradeId);
      where.push(`upgrade_id = $${params.length}`);
    }
    if (query.open !== undefined) where.push(query.open ? 'resolved_at_ms IS NULL' : 'resolved_at_ms IS NOT NULL');
    const rows = await this.query(`SELECT * FROM findings WHERE ${where.join(' AND ')} ORDER BY id`, params);
    return rows.map((row) => PostgresRecords.finding(row));
  }

  async createDecision(decision: NewDecision): Promise<DecisionRecord> {
    checkNewDecision(decision);
    try {
      return await this.audited(async (records) => {
        fenceLeaderEpoch(newDecisionFenceSubject(decision), decision.leaderEpoch, await records.lockedLeaderEpoch());
        const record = await records.insertDecision(decision);
        await records.insertAudit(decisionCreatedAudit(record));
        return record;
      });
    } catch (error) {
      if (sqlState(error) === '23503') throw new StoreNotFoundError(`upgrade ${JSON.stringify(decision.upgradeId)} is not registered`);
      throw error;
    }
  }

  async getDecision(id: string): Promise<DecisionRecord | null> {
    const key = parseRecordId(id);
    if (key === null) return null;
    const row = (await this.query('SELECT * FROM decisions WHERE id = $1', [key]))[0];
    return row === undefined ? null : PostgresRecords.decision(row);
  }

  async listDecisions(query: DecisionQuery = {}): Promise<DecisionRecord[]> {
    const statuses = queryStatuses(query);
    if (query.upgradeId !== undefined && unstorableTextReason(query.upgradeId) !== null) return [];
    const where = ['TRUE'];
    const params: unknown[] = [];
    if (query.upgradeId !== undefined) {
      params.push(query.upgradeId);
      where.push(`upgrade_id = $${params.length}`);
    }
    if (statuses !== null) {
      params.push([...statuses]);
      where.push(`status = ANY($${params.length}::text[])`);
    }
    const rows = await this.query(`SELECT * FROM decisions WHERE ${where.join(' AND ')} ORDER BY id`, params);
    return rows.map((row) => PostgresRecords.decision(row));
  }

  async transitionDecision(
    id: string, fromStatus: DecisionStatus, toStatus: DecisionStatus, patch: DecisionPatch, expectedVersion: number,
  ): Promise<DecisionRecord> {
    checkTransition(fromStatus, toStatus, patch, expectedVersion);
    const key = parseRecordId(id);
    if (key === null) throw new StoreNotFoundError(`decision ${JSON.stringify(id)} does not exist`);
    return this.audited(async (records) => {
      if (patch.leaderEpoch !== undefined) fenceLeaderEpoch(decisionFenceSubject(id), patch.leaderEpoch, await records.lockedLeaderEpoch());
      const record = await records.compareAndSetDecision(key, fromStatus, toStatus, patch, expectedVersion);
      if (record === null) {
        const current = await records.decision(key);
        if (current === null) throw new StoreNotFoundError(`decision ${JSON.stringify(id)} does not exist`);
        throw new StoreConflictError(transitionConflictMessage(id, current, fromStatus, expectedVersion));
      }
      await records.insertAudit(decisionTransitionAudit(fromStatus, record, patch));
      return record;
    });
  }

  async claimLeaderTerm(holder: string, atMs: number): Promise<LeaderTerm> {
    checkLeaderClaim(holder, atMs);
    return this.audited(async (records) => {
      const term = await records.claimLeaderTerm(holder, atMs);
      await records.insertAudit(leaderElectedAudit(term));
      return term;
    });
  }

  async currentLeaderTerm(): Promise<LeaderTerm | null> {
    const row = (await this.query('SELECT * FROM leader_terms ORDER BY epoch DESC LIMIT 1'))[0];
    return row === undefined ? null : PostgresRecords.leaderTerm(row);
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    checkNewAudit(entry);
    return this.audited((records) => records.insertAudit(entry));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const { afterSeq, limit } = checkAuditQuery(query);
    const rows = await this.query('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
    return rows.map((row) => PostgresRecords.audit(row));
  }
}
