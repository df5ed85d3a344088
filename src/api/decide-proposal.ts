/**
 * Approving or rejecting a pending (`proposed`) decision: a compare-and-set transition written with
 * its audit row in one transaction, so two operators racing get one success and one conflict. Used
 * by the API and by the review page.
 *
 * Two-person rule: nobody approves a decision they requested (403 `self_approval`); they may still
 * reject (withdraw) it. A decision a person requested is approved only from a named token (tokens
 * file): the shared operator token from the environment names a role, not a person, so the person
 * who requested could hold it too (403 `named_token_required`). Decisions the tuner requested may be
 * approved by any operator. The approver is recorded (`approvedBy`, and the audit row's actor).
 */
import type { DecisionRecord, DecisionStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-error.js';
import { TUNER_ACTOR } from '../tune/decision-proposal.js';
import { ApiError } from './api-error.js';
import type { Principal } from './auth.js';

/** Who decides: the token holder's name, and whether the token is a shared environment role token. */
export type Actor = Pick<Principal, 'name' | 'shared'>;

/** Why `actor` may not approve `d` under the two-person rule (null: they may), as the API error. */
export function approvalRefusal(d: DecisionRecord, actor: Actor): ApiError | null {
  if (d.requestedBy === actor.name) {
    return new ApiError(403, 'self_approval', `decision ${d.id} was requested by ${actor.name}: another operator must approve it (two-person rule); its requester may only reject it`);
  }
  if (d.requestedBy !== TUNER_ACTOR && actor.shared) {
    return new ApiError(403, 'named_token_required', `decision ${d.id} was requested by ${d.requestedBy}: the two-person rule needs an approver with a named token (tokens file); the shared ${actor.name} token from the environment does not say who holds it, and ${d.requestedBy} may hold it too`);
  }
  return null;
}

/** Approves or rejects decision `id` as `actor`; ApiError 404 when there is none, 409 when it is not pending (any more), 403 when the two-person rule refuses the approval. */
export async function decideProposal(decisions: DecisionStore, id: string, action: 'approve' | 'reject', options: { atMs: number; actor: Actor; reason?: string }): Promise<DecisionRecord> {
  const current = await decisions.getDecision(id);
  if (current === null) throw new ApiError(404, 'not_found', `no decision ${id}`);
  if (current.status !== 'proposed') throw new ApiError(409, 'conflict', `decision ${id} is ${current.status}, not pending`);
  const refusal = action === 'approve' ? approvalRefusal(current, options.actor) : null;
  if (refusal !== null) throw refusal;
  const patch = {
    atMs: options.atMs,
    actor: options.actor.name,
    ...(action === 'approve' ? { approvedBy: options.actor.name } : {}),
    details: options.reason === undefined ? {} : { reason: options.reason },
  };
  try {
    return await decisions.transitionDecision(id, 'proposed', action === 'approve' ? 'approved' : 'rejected', patch, current.version);
  } catch (error) {
    if (error instanceof StoreConflictError) throw new ApiError(409, 'conflict', `decision ${id} changed meanwhile: ${error.message}`);
    throw error;
  }
}
