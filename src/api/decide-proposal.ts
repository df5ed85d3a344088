/**
 * Approving or rejecting a pending (`proposed`) decision: a compare-and-set transition written with
 * its audit row in one transaction, so two operators racing get one success and one conflict. Used
 * by the API and by the review page.
 */
import type { DecisionRecord, DecisionStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-error.js';
import { ApiError } from './api-error.js';

/** Approves or rejects decision `id`; ApiError 404 when there is none, 409 when it is not pending (any more). */
export async function decideProposal(decisions: DecisionStore, id: string, action: 'approve' | 'reject', options: { atMs: number; actor: string; reason?: string }): Promise<DecisionRecord> {
  const current = await decisions.getDecision(id);
  if (current === null) throw new ApiError(404, 'not_found', `no decision ${id}`);
  if (current.status !== 'proposed') throw new ApiError(409, 'conflict', `decision ${id} is ${current.status}, not pending`);
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
