/**
 * Leadership terms as every adapter applies them, built in one place: the audit row of a term claim
 * and the fencing rule for decision writes (an epoch older than the newest term is refused), so the
 * log and the refusals read the same whatever the database.
 */
import { StoreFencedError } from './store-error.js';
import type { LeaderTerm, NewAuditEntry, NewDecision } from './state-store.js';

/** Audit subject naming a term: `leader/<epoch>`. */
export function leaderSubject(epoch: number): string {
  return `leader/${epoch}`;
}

/**
 * The `leader.elected` row of a claimed term; its actor is the holder. Epochs are consecutive from 1
 * (every adapter numbers a claim previous + 1), so the previous term is `epoch - 1`, or null for the first.
 */
export function leaderElectedAudit(term: LeaderTerm): NewAuditEntry {
  return {
    atMs: term.claimedAtMs,
    actor: term.holder,
    action: 'leader.elected',
    subject: leaderSubject(term.epoch),
    details: { holder: term.holder, previous: term.epoch > 1 ? term.epoch - 1 : null },
  };
}

/** What a refusal of `createDecision` names (the decision has no id yet). */
export function newDecisionFenceSubject(decision: NewDecision): string {
  return `new decision on flag ${JSON.stringify(decision.flag)} of upgrade ${JSON.stringify(decision.upgradeId)}`;
}

/** What a refusal of `transitionDecision` names. */
export function decisionFenceSubject(id: string): string {
  return `decision ${id}`;
}

/**
 * Throws `StoreFencedError` when a write carrying leader epoch `epoch` comes from a deposed leader:
 * `currentEpoch` (the newest term, null when none was claimed) is newer. A write without an epoch
 * (`undefined`: an operator's transition) is never fenced. Callers run this inside the write's
 * transaction, after reading `currentEpoch` there.
 */
export function fenceLeaderEpoch(subject: string, epoch: number | undefined, currentEpoch: number | null): void {
  if (epoch === undefined || currentEpoch === null || epoch >= currentEpoch) return;
  throw new StoreFencedError(subject, epoch, currentEpoch);
}
