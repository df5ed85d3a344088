/**
 * The audit rows every adapter writes together with a decision, built in one place so the log reads
 * the same whatever the database.
 */
import type { DecisionPatch, DecisionRecord, DecisionStatus, NewAuditEntry } from './state-store.js';

/** Audit subject naming a decision: `decision/<id>`. */
export function decisionSubject(id: string): string {
  return `decision/${id}`;
}

/** The `decision.created` row of a new decision; its actor is the requester. */
export function decisionCreatedAudit(decision: DecisionRecord): NewAuditEntry {
  return {
    atMs: decision.createdAtMs,
    actor: decision.requestedBy,
    action: 'decision.created',
    subject: decisionSubject(decision.id),
    details: {
      upgradeId: decision.upgradeId,
      flag: decision.flag,
      kind: decision.kind,
      status: decision.status,
      approvedBy: decision.approvedBy,
      leaderEpoch: decision.leaderEpoch,
    },
  };
}

/** The `decision.<to>` row of a transition: from/to status, new version, approver, patch details. */
export function decisionTransitionAudit(from: DecisionStatus, after: DecisionRecord, patch: DecisionPatch): NewAuditEntry {
  return {
    atMs: patch.atMs,
    actor: patch.actor,
    action: `decision.${after.status}`,
    subject: decisionSubject(after.id),
    details: {
      from,
      to: after.status,
      version: after.version,
      approvedBy: after.approvedBy,
      leaderEpoch: after.leaderEpoch,
      ...(patch.details === undefined ? {} : { details: patch.details }),
    },
  };
}

/** Message of the conflict raised when a compare-and-set finds the decision moved on. */
export function transitionConflictMessage(
  id: string,
  current: { status: DecisionStatus; version: number },
  from: DecisionStatus,
  expectedVersion: number,
): string {
  return `decision ${id} is ${current.status} at version ${current.version}, expected ${from} at version ${expectedVersion}`;
}
