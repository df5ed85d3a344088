/**
 * Input checks every adapter runs before writing, so all adapters accept and refuse the same records.
 * Failures are `StoreError('invalid_record')` naming the field (`decision.proposal.after`) and what
 * was expected. Payload shapes are the callers' business; here only storability is checked.
 */
import { checkJsonValue, unstorableTextReason } from './json-value.js';
import { StoreError } from './store-error.js';
import {
  DECISION_KINDS, DECISION_STATUSES, FINDING_VERDICTS, MAX_AUDIT_PAGE, UPGRADE_STATUSES,
} from './state-store.js';
import type {
  AuditQuery, DecisionPatch, DecisionQuery, DecisionStatus, FindingUpdate, NewAuditEntry, NewDecision, SettingRecord, UpgradeRecord,
} from './state-store.js';

function fail(path: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  throw new StoreError('invalid_record', `${path}: expected ${expected}, got ${shown}`);
}

/** A non-empty string that PostgreSQL and SQLite store unchanged. */
export function checkText(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || value === '') fail(path, 'a non-empty string', value);
  const reason = unstorableTextReason(value);
  if (reason !== null) throw new StoreError('invalid_record', `${path}: string ${reason}`);
}

/** A time in Unix epoch ms: a non-negative safe integer. */
export function checkMs(value: unknown, path: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(path, 'epoch milliseconds (a non-negative integer)', value);
  }
}

/** A non-negative safe integer (versions, epochs, sequence numbers). */
export function checkCount(value: unknown, path: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(path, 'a non-negative integer', value);
}

/** One of `allowed`. */
export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(path, `one of ${allowed.join('|')}`, value);
  }
}

function checkLabels(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object of label values', value);
  for (const [name, labelValue] of Object.entries(value)) {
    checkText(name, `${path} label name`);
    if (typeof labelValue !== 'string') fail(`${path}.${name}`, 'a string', labelValue);
    const reason = unstorableTextReason(labelValue);
    if (reason !== null) throw new StoreError('invalid_record', `${path}.${name}: string ${reason}`);
  }
}

/** Checks a record for `putUpgrade`. */
export function checkUpgradeRecord(record: UpgradeRecord): void {
  checkText(record.id, 'upgrade.id');
  checkJsonValue(record.document, 'upgrade.document');
  if (record.document === undefined) fail('upgrade.document', 'a JSON value', undefined);
  checkMs(record.registeredAtMs, 'upgrade.registeredAtMs');
  checkOneOf(record.status, UPGRADE_STATUSES, 'upgrade.status');
}

/** Checks a record for `putSetting`. */
export function checkSetting(record: SettingRecord): void {
  checkText(record.key, 'setting.key');
  checkJsonValue(record.value, 'setting.value');
  if (record.value === undefined) fail('setting.value', 'a JSON value', undefined);
  checkMs(record.updatedAtMs, 'setting.updatedAtMs');
  checkText(record.updatedBy, 'setting.updatedBy');
}

/** Checks an update for `upsertFinding`. */
export function checkFindingUpdate(update: FindingUpdate): void {
  checkText(update.upgradeId, 'finding.upgradeId');
  checkText(update.signal, 'finding.signal');
  checkLabels(update.labels, 'finding.labels');
  checkOneOf(update.verdict, FINDING_VERDICTS, 'finding.verdict');
  checkPayload(update.statistics, 'finding.statistics');
  checkPayload(update.suspects, 'finding.suspects');
  checkMs(update.atMs, 'finding.atMs');
}

function checkPayload(value: unknown, path: string): void {
  if (value === undefined) fail(path, 'a JSON value', undefined);
  checkJsonValue(value, path);
}

/** Checks a decision for `createDecision`: `approvedBy` is set exactly when it starts `approved`. */
export function checkNewDecision(decision: NewDecision): void {
  checkText(decision.upgradeId, 'decision.upgradeId');
  checkText(decision.flag, 'decision.flag');
  checkOneOf(decision.kind, DECISION_KINDS, 'decision.kind');
  checkPayload(decision.proposal, 'decision.proposal');
  checkOneOf(decision.status, ['proposed', 'approved'] as const, 'decision.status');
  checkText(decision.requestedBy, 'decision.requestedBy');
  if (decision.status === 'approved') checkText(decision.approvedBy, 'decision.approvedBy');
  else if (decision.approvedBy !== null) fail('decision.approvedBy', 'null while proposed', decision.approvedBy);
  checkCount(decision.leaderEpoch, 'decision.leaderEpoch');
  checkMs(decision.atMs, 'decision.atMs');
}

/** Checks the arguments of `transitionDecision`; moving to `approved` needs `patch.approvedBy`. */
export function checkTransition(from: DecisionStatus, to: DecisionStatus, patch: DecisionPatch, expectedVersion: number): void {
  checkOneOf(from, DECISION_STATUSES, 'fromStatus');
  checkOneOf(to, DECISION_STATUSES, 'toStatus');
  checkMs(patch.atMs, 'patch.atMs');
  checkText(patch.actor, 'patch.actor');
  if (patch.approvedBy !== undefined || to === 'approved') checkText(patch.approvedBy, 'patch.approvedBy');
  if (patch.proposal !== undefined) checkJsonValue(patch.proposal, 'patch.proposal');
  if (patch.leaderEpoch !== undefined) checkCount(patch.leaderEpoch, 'patch.leaderEpoch');
  if (patch.details !== undefined) checkJsonValue(patch.details, 'patch.details');
  checkCount(expectedVersion, 'expectedVersion');
}

/** Checks the arguments of `claimLeaderTerm`. */
export function checkLeaderClaim(holder: string, atMs: number): void {
  checkText(holder, 'holder');
  checkMs(atMs, 'atMs');
}

/** Checks an entry for `appendAudit`. */
export function checkNewAudit(entry: NewAuditEntry): void {
  checkMs(entry.atMs, 'audit.atMs');
  checkText(entry.actor, 'audit.actor');
  checkText(entry.action, 'audit.action');
  checkText(entry.subject, 'audit.subject');
  checkPayload(entry.details, 'audit.details');
}

/** Checks a page request of `listAudit` and fills in `afterSeq` (default 0). */
export function checkAuditQuery(query: AuditQuery): { afterSeq: number; limit: number } {
  const afterSeq = query.afterSeq ?? 0;
  checkCount(afterSeq, 'afterSeq');
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_AUDIT_PAGE) {
    fail('limit', `an integer in 1..${MAX_AUDIT_PAGE}`, query.limit);
  }
  return { afterSeq, limit: query.limit };
}

/** The distinct statuses a decision query asks for, or null for all; each one checked. */
export function queryStatuses(query: DecisionQuery): readonly DecisionStatus[] | null {
  if (query.status === undefined) return null;
  const statuses: readonly DecisionStatus[] = typeof query.status === 'string' ? [query.status] : query.status;
  statuses.forEach((status, i) => checkOneOf(status, DECISION_STATUSES, `status[${i}]`));
  return [...new Set(statuses)];
}

/**
 * The integer behind a store-assigned id (`"12"` → 12), or null when `id` cannot name a record
 * (leading zeros, signs, non-digits): such ids are simply not found, in every adapter alike.
 */
export function parseRecordId(id: string): number | null {
  if (!/^[1-9][0-9]{0,14}$/.test(id)) return null;
  return Number(id);
}
