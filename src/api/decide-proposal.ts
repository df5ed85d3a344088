/**
 * Approving or rejecting a pending (`proposed`) decision: a compare-and-set transition written with
 * its audit row in one transaction, so two operators racing get one success and one conflict. Used
 * by the API and by the review page.
 *
 * Two-person rule: nobody approves a decision they requested (403 `self_approval`); they may still
 * reject (withdraw) it. Decisions the tuner requested may be approved by any operator. The approver
 * is recorded (`approvedBy`, and the audit row's actor).
 */
import type { DecisionRecord, DecisionStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-error.js';
import { ApiError } from './api-error.js';

/** Approves or rejects decision `id` as `actor`; ApiError 404 when there is none, 409 when it is not pending (any more), 403 when `actor` requested it and approves. */
export async function decideProposal(decisions: DecisionStore, id: string, action: 'approve' | 'reject', options: { atMs: number; actor: string; reason?: string }): Promise<DecisionRecord> {
  const current = await decisions.getDecision(id);
  if (current === null) throw new ApiError(404, 'not_found', `no decision ${id}`);
  if (current.status !== 'proposed') throw new ApiError(409, 'conflict', `decision ${id} is ${current.status}, not pending`);
  if (action === 'approve' && current.requestedBy === options.actor) {
    throw new ApiError(403, 'self_approval', `decision ${id} was requested by ${options.actor}: another operator must approve it (two-person rule); its requester may only reject it`);
  }
  const patch = {
    atMs: options.atMs,
    actor: options.actor,
    ...(action === 'approve' ? { approvedBy: options.actor } : {}),
    details: options.reason === undefined ? {} : { reason: options.reason },
  };
  try {
    return await decisions.transitionDecision(id, 'proposed', action === 'approve' ? 'approved' : 'rejected', patch, current.version);
  } catch (error) {
    if (error instanceof StoreConflictError) throw new ApiError(409, 'conflict', `decision ${id} changed meanwhile: ${error.message}`);
    throw error;
  }
}
