/**
 * The hand-written in-memory fake of the `StateStore` port, for unit tests of services. It keeps the
 * adapters' semantics (conflicts, compare-and-set, audit rows with their decision, ids, ordering,
 * JSON round trip, schema-version refusal, leadership terms and fencing) and is held to the same
 * contract suite. Each method runs to completion synchronously, so every write is atomic.
 */
import { labelsKey } from '../series/model.js';
import { decisionCreatedAudit, decisionTransitionAudit, transitionConflictMessage } from './decision-audit.js';
import { decisionFenceSubject, fenceLeaderEpoch, leaderElectedAudit, newDecisionFenceSubject } from './leader-fencing.js';
import { copyJson } from './json-value.js';
import { runSync } from './run-sync.js';
import {
  checkAuditQuery, checkFindingUpdate, checkLeaderClaim, checkNewAudit, checkNewDecision, checkOneOf, checkMs, checkTransition,
  checkSetting, checkUpgradeRecord, queryStatuses,
} from './record-checks.js';
import { StoreConflictError, StoreError, StoreNotFoundError, StoreSchemaError } from './store-error.js';
import { UPGRADE_STATUSES } from './state-store.js';
import type {
  AuditEntry, AuditQuery, DecisionPatch, DecisionQuery, DecisionRecord, DecisionStatus, FindingQuery, FindingRecord,
  FindingUpdate, FindingUpsert, LeaderTerm, NewAuditEntry, NewDecision, SettingRecord, StateStore, StoredReport, UpgradeRecord,
  UpgradeStatus,
} from './state-store.js';

/** Schema version of the fake's "database" (mirrors the SQL adapters' migration refusal). */
export const MEMORY_SCHEMA_VERSION = 4;

/** The data behind one or more {@link MemoryStateStore}s: share it to model two connections or a reopen. */
export class MemoryStateDatabase {
  /** Applied schema versions; set a version above {@link MEMORY_SCHEMA_VERSION} to model a newer database. */
  readonly schemaVersions: number[] = [];
  readonly upgrades = new Map<string, UpgradeRecord>();
  readonly findings = new Map<string, FindingRecord>();
  /** Open finding id per JSON [upgradeId, signal, labelsKey]. */
  readonly openFindings = new Map<string, string>();
  readonly decisions = new Map<string, DecisionRecord>();
  readonly reports = new Map<string, StoredReport>();
  readonly settings = new Map<string, SettingRecord>();
  /** Every claimed leadership term, oldest first (epoch = index + 1). */
  readonly leaderTerms: LeaderTerm[] = [];
  readonly audit: AuditEntry[] = [];
  nextFindingId = 1;
  nextDecisionId = 1;
  nextSeq = 1;
}

function upgradeNotFound(id: string): StoreNotFoundError {
  return new StoreNotFoundError(`upgrade ${JSON.stringify(id)} is not registered`);
}

/** In-memory `StateStore`; pass a shared {@link MemoryStateDatabase} to keep data across instances. */
export class MemoryStateStore implements StateStore {
  private opened = false;

  constructor(private readonly database: MemoryStateDatabase = new MemoryStateDatabase()) {}

  /** Marks the store open after the schema-version check. */
  open(): Promise<void> {
    return runSync(() => {
      const newest = Math.max(0, ...this.database.schemaVersions);
      if (newest > MEMORY_SCHEMA_VERSION) {
        throw new StoreSchemaError(`memory database has schema version ${newest}, newer than this shiftguard knows (${MEMORY_SCHEMA_VERSION})`);
      }
      for (let v = newest + 1; v <= MEMORY_SCHEMA_VERSION; v++) this.database.schemaVersions.push(v);
      this.opened = true;
    });
  }

  /** Marks the store closed; the data stays in the database object. */
  close(): Promise<void> {
    this.opened = false;
    return Promise.resolve();
  }

  /** Open and not closed. */
  ready(): boolean {
    return this.opened;
  }

  private data(): MemoryStateDatabase {
    if (!this.opened) throw new StoreError('not_open', 'memory state store is not open');
    return this.database;
  }

  putUpgrade(record: UpgradeRecord, audit?: NewAuditEntry): Promise<UpgradeRecord> {
    return runSync(() => {
      const db = this.data();
      checkUpgradeRecord(record);
      if (audit !== undefined) checkNewAudit(audit);
      if (db.upgrades.has(record.id)) throw new StoreConflictError(`upgrade ${JSON.stringify(record.id)} is already registered`);
      const stored = { id: record.id, document: copyJson(record.document), registeredAtMs: record.registeredAtMs, status: record.status };
      db.upgrades.set(record.id, stored);
      if (audit !== undefined) this.pushAudit(audit);
      return structuredClone(stored);
    });
  }

  getUpgrade(id: string): Promise<UpgradeRecord | null> {
    return runSync(() => {
      const record = this.data().upgrades.get(id);
      return record === undefined ? null : structuredClone(record);
    });
  }

  listUpgrades(): Promise<UpgradeRecord[]> {
    return runSync(() => [...this.data().upgrades.values()]
      .sort((a, b) => a.registeredAtMs - b.registeredAtMs || compareText(a.id, b.id))
      .map((record) => structuredClone(record)));
  }

  setUpgradeStatus(id: string, status: UpgradeStatus): Promise<UpgradeRecord> {
    return runSync(() => {
      const db = this.data();
      checkOneOf(status, UPGRADE_STATUSES, 'status');
      const record = db.upgrades.get(id);
      if (record === undefined) throw upgradeNotFound(id);
      const updated = { ...record, status };
      db.upgrades.set(id, updated);
      return structuredClone(updated);
    });
  }

  getSetting(key: string): Promise<SettingRecord | null> {
    return runSync(() => {
      const record = this.data().settings.get(key);
      return record === undefined ? null : structuredClone(record);
    });
  }

  putSetting(record: SettingRecord, audit: NewAuditEntry): Promise<SettingRecord> {
    return runSync(() => {
      const db = this.data();
      checkSetting(record);
      checkNewAudit(audit);
      const stored = { key: record.key, value: copyJson(record.value), updatedAtMs: record.updatedAtMs, updatedBy: record.updatedBy };
      db.settings.set(record.key, stored);
      this.pushAudit(audit);
      return structuredClone(stored);
    });
  }

  putReport(upgradeId: string, report: unknown, generatedAtMs: number): Promise<StoredReport> {
    return runSync(() => {
      const db = this.data();
      if (!db.upgrades.has(upgradeId)) throw upgradeNotFound(upgradeId);
      const stored = { upgradeId, report: copyJson(report), generatedAtMs };
      db.reports.set(upgradeId, stored);
      return structuredClone(stored);
    });
  }

  getReport(upgradeId: string): Promise<StoredReport | null> {
    return runSync(() => {
      const stored = this.data().reports.get(upgradeId);
      return stored === undefined ? null : structuredClone(stored);
    });
  }

  upsertFinding(update: FindingUpdate): Promise<FindingUpsert> {
    return runSync(() => {
      const db = this.data();
      checkFindingUpdate(update);
      if (!db.upgrades.has(update.upgradeId)) throw upgradeNotFound(update.upgradeId);
      const key = JSON.stringify([update.upgradeId, update.signal, labelsKey(update.labels)]);
      const openId = db.openFindings.get(key);
      const previous = openId === undefined ? undefined : db.findings.get(openId);
      const state = { verdict: update.verdict, statistics: copyJson(update.statistics), suspects: copyJson(update.suspects), updatedAtMs: update.atMs };
      if (previous !== undefined) {
        const finding: FindingRecord = { ...previous, ...state };
        db.findings.set(finding.id, finding);
        return { finding: structuredClone(finding), opened: false };
      }
      const id = String(db.nextFindingId++);
      const labels = { ...update.labels };
      const finding: FindingRecord = { id, upgradeId: update.upgradeId, signal: update.signal, labels, ...state, openedAtMs: update.atMs, resolvedAtMs: null };
      db.findings.set(id, finding);
      db.openFindings.set(key, id);
      return { finding: structuredClone(finding), opened: true };
    });
  }

  resolveFinding(id: string, atMs: number): Promise<FindingRecord> {
    return runSync(() => {
      const db = this.data();
      checkMs(atMs, 'atMs');
      const finding = db.findings.get(id);
      if (finding === undefined) throw new StoreNotFoundError(`finding ${JSON.stringify(id)} does not exist`);
      if (finding.resolvedAtMs !== null) return structuredClone(finding);
      const resolved = { ...finding, resolvedAtMs: atMs };
      db.findings.set(id, resolved);
      db.openFindings.delete(JSON.stringify([finding.upgradeId, finding.signal, labelsKey(finding.labels)]));
      return structuredClone(resolved);
    });
  }

  listFindings(query: FindingQuery = {}): Promise<FindingRecord[]> {
    return runSync(() => [...this.data().findings.values()]
      .filter((f) => query.upgradeId === undefined || f.upgradeId === query.upgradeId)
      .filter((f) => query.open === undefined || (f.resolvedAtMs === null) === query.open)
      .map((f) => structuredClone(f)));
  }

  createDecision(decision: NewDecision): Promise<DecisionRecord> {
    return runSync(() => {
      const db = this.data();
      checkNewDecision(decision);
      fenceLeaderEpoch(newDecisionFenceSubject(decision), decision.leaderEpoch, db.leaderTerms.at(-1)?.epoch ?? null);
      if (!db.upgrades.has(decision.upgradeId)) throw upgradeNotFound(decision.upgradeId);
      const record: DecisionRecord = {
        id: String(db.nextDecisionId++), upgradeId: decision.upgradeId, flag: decision.flag, kind: decision.kind,
        proposal: copyJson(decision.proposal), status: decision.status, requestedBy: decision.requestedBy,
        approvedBy: decision.approvedBy, leaderEpoch: decision.leaderEpoch, createdAtMs: decision.atMs,
        updatedAtMs: decision.atMs, version: 1,
      };
      db.decisions.set(record.id, record);
      this.pushAudit(decisionCreatedAudit(record));
      return structuredClone(record);
    });
  }

  getDecision(id: string): Promise<DecisionRecord | null> {
    return runSync(() => {
      const record = this.data().decisions.get(id);
      return record === undefined ? null : structuredClone(record);
    });
  }

  listDecisions(query: DecisionQuery = {}): Promise<DecisionRecord[]> {
    return runSync(() => {
      const decisions = this.data().decisions.values();
      const statuses = queryStatuses(query);
      return [...decisions]
        .filter((d) => query.upgradeId === undefined || d.upgradeId === query.upgradeId)
        .filter((d) => statuses === null || statuses.includes(d.status))
        .map((d) => structuredClone(d));
    });
  }

  transitionDecision(
    id: string, fromStatus: DecisionStatus, toStatus: DecisionStatus, patch: DecisionPatch, expectedVersion: number,
  ): Promise<DecisionRecord> {
    return runSync(() => {
      const db = this.data();
      checkTransition(fromStatus, toStatus, patch, expectedVersion);
      fenceLeaderEpoch(decisionFenceSubject(id), patch.leaderEpoch, db.leaderTerms.at(-1)?.epoch ?? null);
      const current = db.decisions.get(id);
      if (current === undefined) throw new StoreNotFoundError(`decision ${JSON.stringify(id)} does not exist`);
      if (current.status !== fromStatus || current.version !== expectedVersion) {
        throw new StoreConflictError(transitionConflictMessage(id, current, fromStatus, expectedVersion));
      }
      const updated: DecisionRecord = {
        ...current,
        status: toStatus,
        approvedBy: patch.approvedBy ?? current.approvedBy,
        proposal: patch.proposal === undefined ? current.proposal : copyJson(patch.proposal),
        leaderEpoch: patch.leaderEpoch ?? current.leaderEpoch,
        updatedAtMs: patch.atMs,
        version: current.version + 1,
      };
      db.decisions.set(id, updated);
      this.pushAudit(decisionTransitionAudit(fromStatus, updated, patch));
      return structuredClone(updated);
    });
  }

  claimLeaderTerm(holder: string, atMs: number): Promise<LeaderTerm> {
    return runSync(() => {
      const db = this.data();
      checkLeaderClaim(holder, atMs);
      const term: LeaderTerm = { epoch: db.leaderTerms.length + 1, holder, claimedAtMs: atMs };
      db.leaderTerms.push(term);
      this.pushAudit(leaderElectedAudit(term));
      return { ...term };
    });
  }

  currentLeaderTerm(): Promise<LeaderTerm | null> {
    return runSync(() => {
      const term = this.data().leaderTerms.at(-1);
      return term === undefined ? null : { ...term };
    });
  }

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return runSync(() => {
      this.data();
      checkNewAudit(entry);
      return structuredClone(this.pushAudit(entry));
    });
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return runSync(() => {
      const audit = this.data().audit;
      const { afterSeq, limit } = checkAuditQuery(query);
      return audit.filter((e) => e.seq > afterSeq).slice(0, limit).map((e) => structuredClone(e));
    });
  }

  private pushAudit(entry: NewAuditEntry): AuditEntry {
    const stored: AuditEntry = { seq: this.database.nextSeq++, atMs: entry.atMs, actor: entry.actor, action: entry.action, subject: entry.subject, details: copyJson(entry.details) };
    this.database.audit.push(stored);
    return stored;
  }
}

/** UTF-8 byte order, as SQLite's binary collation and PostgreSQL's `COLLATE "C"` sort ids. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
