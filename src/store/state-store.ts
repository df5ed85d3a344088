/**
 * Port: where the service keeps its state (registered upgrades, findings, flag-change decisions and
 * the append-only audit log). Records are plain data; times are Unix epoch ms; JSON payloads
 * (`document`, `statistics`, `suspects`, `proposal`, `details`) are `unknown` here and validated by
 * the features that write and read them. Ids of findings and decisions are assigned by the store
 * (decimal strings, increasing); upgrade ids come from upgrade.json.
 *
 * Adapters: SQLite (default), PostgreSQL, and an in-memory fake, all held to one contract suite
 * (`state-store-contract.ts`). Services depend on the narrowest slice they use
 * ({@link UpgradeStore}, {@link FindingStore}, {@link DecisionStore}, {@link AuditLog},
 * {@link LeadershipStore}).
 *
 * Leadership terms fence the tuner's writes: each replica that wins the election claims a new term
 * (epoch), and a decision write carrying an epoch older than the newest term is refused
 * (`StoreFencedError`), so a deposed leader that wakes up cannot act on what it decided before.
 */
import type { Labels } from '../series/model.js';

/** Monitoring state of a registered upgrade. */
export type UpgradeStatus = 'monitoring' | 'finished';
/** Every {@link UpgradeStatus}, for validation. */
export const UPGRADE_STATUSES: readonly UpgradeStatus[] = ['monitoring', 'finished'];

/** A registered upgrade. */
export interface UpgradeRecord {
  /** The upgrade's `id` from upgrade.json. */
  readonly id: string;
  /** The upgrade.json document as registered (JSON-able). */
  readonly document: unknown;
  readonly registeredAtMs: number;
  readonly status: UpgradeStatus;
}

/** The report an upgrade's monitoring ended with (see {@link UpgradeStore.putReport}). */
export interface StoredReport {
  readonly upgradeId: string;
  /** The report (JSON-able; the shape of CONTRACT §5). */
  readonly report: unknown;
  readonly generatedAtMs: number;
}

/** Verdict of the analysed group a finding is about (CONTRACT §5). */
export type FindingVerdict = 'regression' | 'improvement' | 'no_change' | 'inconclusive';
/** Every {@link FindingVerdict}, for validation. */
export const FINDING_VERDICTS: readonly FindingVerdict[] = ['regression', 'improvement', 'no_change', 'inconclusive'];

/**
 * A shift found for one group (signal + label values) of one upgrade. At most one finding per
 * (upgradeId, signal, labels) is open (resolvedAtMs null) at a time; once resolved, the next shift
 * of that group opens a new finding.
 */
export interface FindingRecord {
  readonly id: string;
  readonly upgradeId: string;
  readonly signal: string;
  readonly labels: Labels;
  readonly verdict: FindingVerdict;
  /** The report's `statistics` array of the group (JSON-able). */
  readonly statistics: unknown;
  /** The report's `suspects` array of the group (JSON-able). */
  readonly suspects: unknown;
  readonly openedAtMs: number;
  readonly updatedAtMs: number;
  readonly resolvedAtMs: number | null;
}

/** What {@link FindingStore.upsertFinding} writes: the latest state of a group at `atMs`. */
export interface FindingUpdate {
  readonly upgradeId: string;
  readonly signal: string;
  readonly labels: Labels;
  readonly verdict: FindingVerdict;
  readonly statistics: unknown;
  readonly suspects: unknown;
  /** When the analysis saw this state; `openedAtMs` of a new finding and `updatedAtMs` in any case. */
  readonly atMs: number;
}

/** Result of {@link FindingStore.upsertFinding}: the finding, and whether this call opened it. */
export interface FindingUpsert {
  readonly finding: FindingRecord;
  readonly opened: boolean;
}

/** Filter of {@link FindingStore.listFindings}; omitted fields do not filter. */
export interface FindingQuery {
  readonly upgradeId?: string;
  /** true: only open findings; false: only resolved ones. */
  readonly open?: boolean;
}

/** What a decision changes: a flag's on/off state, or numeric constants of a variant payload. */
export type DecisionKind = 'toggle' | 'tune';
/** Every {@link DecisionKind}, for validation. */
export const DECISION_KINDS: readonly DecisionKind[] = ['toggle', 'tune'];

/**
 * Lifecycle of a decision. Which transitions are legal is the tuner's policy; the store only
 * guarantees that a transition happens from the status and version the caller saw.
 */
export type DecisionStatus =
  | 'proposed'
  | 'approved'
  | 'applied'
  | 'verifying'
  | 'kept'
  | 'reverted'
  | 'rejected'
  | 'expired'
  | 'failed';
/** Every {@link DecisionStatus}, for validation. */
export const DECISION_STATUSES: readonly DecisionStatus[] = [
  'proposed', 'approved', 'applied', 'verifying', 'kept', 'reverted', 'rejected', 'expired', 'failed',
];

/** A proposed or applied flag change, with its evidence. */
export interface DecisionRecord {
  readonly id: string;
  readonly upgradeId: string;
  readonly flag: string;
  readonly kind: DecisionKind;
  /** JSON-able: action, before/after values, prediction, evidence (shape owned by the tuner). */
  readonly proposal: unknown;
  readonly status: DecisionStatus;
  /** Who asked for it (`tuner`, an operator). */
  readonly requestedBy: string;
  /** Who approved it (an operator, or `guardrails` for changes the guardrails allow); null until approved. */
  readonly approvedBy: string | null;
  /** Leader epoch of the service instance that last wrote it (fences writes of a deposed leader). */
  readonly leaderEpoch: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** 1 at creation, +1 per transition; the optimistic-concurrency token. */
  readonly version: number;
}

/** What {@link DecisionStore.createDecision} writes; `approvedBy` is required iff `status` is `approved`. */
export interface NewDecision {
  readonly upgradeId: string;
  readonly flag: string;
  readonly kind: DecisionKind;
  readonly proposal: unknown;
  readonly status: 'proposed' | 'approved';
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  readonly leaderEpoch: number;
  /** Creation time; also the audit row's time. */
  readonly atMs: number;
}

/** What a transition changes besides the status; omitted fields keep their values. */
export interface DecisionPatch {
  /** When the transition happens: the new `updatedAtMs` and the audit row's time. */
  readonly atMs: number;
  /** Who makes it (the audit row's actor). */
  readonly actor: string;
  /** Required when moving to `approved`. */
  readonly approvedBy?: string;
  readonly proposal?: unknown;
  readonly leaderEpoch?: number;
  /** Extra JSON for the audit row (a rejection's reason, verification figures). */
  readonly details?: unknown;
}

/** Filter of {@link DecisionStore.listDecisions}; omitted fields do not filter. */
export interface DecisionQuery {
  readonly upgradeId?: string;
  /** One status, or any of several. */
  readonly status?: DecisionStatus | readonly DecisionStatus[];
}

/** One row of the append-only audit log. */
export interface AuditEntry {
  /** Increasing in commit order (gaps possible); use as a cursor with `afterSeq`. */
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  /** What happened, e.g. `decision.created`, `decision.approved`, `upgrade.registered`. */
  readonly action: string;
  /** What it happened to, e.g. `decision/12`, `upgrade/dten-2026.04`. */
  readonly subject: string;
  readonly details: unknown;
}

/** An audit row before the store numbers it. */
export type NewAuditEntry = Omit<AuditEntry, 'seq'>;

/** Page of {@link AuditLog.listAudit}: rows with seq > afterSeq (default 0), oldest first. */
export interface AuditQuery {
  readonly afterSeq?: number;
  /** 1..{@link MAX_AUDIT_PAGE} rows. */
  readonly limit: number;
}

/** Largest `limit` of one {@link AuditLog.listAudit} page. */
export const MAX_AUDIT_PAGE = 10_000;

/** Registered upgrades. */
export interface UpgradeStore {
  /** Registers an upgrade; a duplicate id is refused with `StoreConflictError`. */
  /**
   * Registers an upgrade; with `audit`, its audit row is written in the same transaction (both or
   * neither survive a crash). A duplicate id is a conflict and writes nothing.
   */
  putUpgrade(record: UpgradeRecord, audit?: NewAuditEntry): Promise<UpgradeRecord>;
  getUpgrade(id: string): Promise<UpgradeRecord | null>;
  /** All upgrades, by registration time then id. */
  listUpgrades(): Promise<UpgradeRecord[]>;
  /** `StoreNotFoundError` when the upgrade is unknown. */
  setUpgradeStatus(id: string, status: UpgradeStatus): Promise<UpgradeRecord>;
  /** Stores (or replaces) the final report of a registered upgrade, written when its monitoring ends. */
  putReport(upgradeId: string, report: unknown, generatedAtMs: number): Promise<StoredReport>;
  /** The stored report of an upgrade, or null when none was stored. */
  getReport(upgradeId: string): Promise<StoredReport | null>;
}

/** Findings of the continuous detection. */
export interface FindingStore {
  /**
   * Opens a finding for the update's (upgradeId, signal, labels) or updates the open one
   * (verdict, statistics, suspects, updatedAtMs). `StoreNotFoundError` when the upgrade is unknown.
   */
  upsertFinding(update: FindingUpdate): Promise<FindingUpsert>;
  /** Marks a finding resolved at `atMs`; resolving a resolved finding returns it unchanged. */
  resolveFinding(id: string, atMs: number): Promise<FindingRecord>;
  /** Findings by id (= opening order). */
  listFindings(query?: FindingQuery): Promise<FindingRecord[]>;
}

/**
 * The decision log. Every write appends its audit row in the same transaction.
 *
 * Fencing: a write that carries a leader epoch (`createDecision`, or `transitionDecision` with
 * `patch.leaderEpoch`) is refused with `StoreFencedError` when a leadership term newer than that
 * epoch exists; the check runs in the write's own transaction, so a concurrent term claim commits
 * either before it (and the write is refused) or after it. Writes without an epoch (an operator's
 * approval or rejection) are never fenced; an epoch equal to or above the newest term passes.
 */
export interface DecisionStore {
  /**
   * Writes a new decision at version 1 (audit `decision.created`). `StoreNotFoundError` for an
   * unknown upgrade; `StoreFencedError` when `decision.leaderEpoch` is older than the newest term.
   */
  createDecision(decision: NewDecision): Promise<DecisionRecord>;
  getDecision(id: string): Promise<DecisionRecord | null>;
  /** Decisions by id (= creation order). */
  listDecisions(query?: DecisionQuery): Promise<DecisionRecord[]>;
  /**
   * Compare-and-set: moves decision `id` from `fromStatus` to `toStatus` and applies `patch`, only if
   * it is still at `fromStatus` and `expectedVersion`; bumps the version and appends the audit row
   * `decision.<toStatus>`. Otherwise `StoreConflictError` (`StoreNotFoundError` for an unknown id) and
   * nothing is written. This is what makes approvals and tuner writes safe against each other.
   * With `patch.leaderEpoch` older than the newest leadership term: `StoreFencedError`, nothing written.
   */
  transitionDecision(
    id: string,
    fromStatus: DecisionStatus,
    toStatus: DecisionStatus,
    patch: DecisionPatch,
    expectedVersion: number,
  ): Promise<DecisionRecord>;
}

/** A named service setting (the tuner's kill switch, …) with who set it last. */
export interface SettingRecord {
  readonly key: string;
  /** JSON-able value. */
  readonly value: unknown;
  readonly updatedAtMs: number;
  readonly updatedBy: string;
}

/** Settings that must survive restarts; every change is audited in the same transaction. */
export interface SettingStore {
  getSetting(key: string): Promise<SettingRecord | null>;
  /** Writes the setting and `audit` together (both or neither). */
  putSetting(record: SettingRecord, audit: NewAuditEntry): Promise<SettingRecord>;
}

/** The append-only audit log. */
export interface AuditLog {
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}

/** One leadership term of the tuner. */
export interface LeaderTerm {
  /** 1 for the first term, +1 per claim; never reused. */
  readonly epoch: number;
  /** Who claimed it (e.g. `hostname/pid/uuid`). */
  readonly holder: string;
  readonly claimedAtMs: number;
}

/**
 * Durable, strictly increasing leadership terms. Who may claim a term is the elector's business
 * (`src/tune/leader-election.ts`); the store only numbers the terms and fences decision writes of
 * older ones (see {@link DecisionStore}).
 */
export interface LeadershipStore {
  /**
   * Starts a new term: epoch = previous + 1 (1 when none), `holder`, claimed at `atMs`; audited
   * (`leader.elected`, subject `leader/<epoch>`, details `{ holder, previous }` with the previous
   * epoch or null) in the same transaction.
   */
  claimLeaderTerm(holder: string, atMs: number): Promise<LeaderTerm>;
  /** The newest term, or null when none was ever claimed. */
  currentLeaderTerm(): Promise<LeaderTerm | null>;
}

/** The whole port: lifecycle plus every record kind. */
export interface StateStore extends UpgradeStore, FindingStore, DecisionStore, SettingStore, AuditLog, LeadershipStore {
  /**
   * Connects, applies pending migrations and makes the store usable. Refuses (`StoreSchemaError`) a
   * database whose schema is newer than this code. A no-op when already open; allowed again after close.
   */
  open(): Promise<void>;
  /** Releases connections; idempotent. Every other method then fails with code `not_open`. */
  close(): Promise<void>;
  /** Whether the store is open and (for a server database) its connections are healthy; for `/readyz`. */
  ready(): boolean;
}
