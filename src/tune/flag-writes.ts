/**
 * The tuner's reads and writes of one decision's target through the FlagStore port, and how the
 * port's failures map onto what the tuner does next.
 */
import type { FlagStore, FlagWriteResult } from '../flags/flag-store.js';
import {
  ChangeRequestRequiredError,
  FlagDriftError,
  FlagNotFoundError,
  FlagRequestRejectedError,
  FlagShapeError,
  FlagStoreAuthError,
  FlagStoreUnavailableError,
} from '../flags/flag-store-error.js';
import type { FlagTarget, FlagValue } from './decision-proposal.js';
import { currentValue } from './decision-proposal.js';

/** The target's value in the flag service now (null when the flag lacks it, e.g. no such variant). */
export async function readTarget(flags: FlagStore, target: FlagTarget): Promise<FlagValue | null> {
  const state = await flags.readFlag(target.flag, target.strategyTitle === null ? undefined : { title: target.strategyTitle });
  return currentValue(state, target.before, target.variant);
}

/** Writes `to` where the target is, refusing when the flag no longer holds `from` (drift). */
export function writeTarget(flags: FlagStore, target: FlagTarget, from: FlagValue, to: FlagValue, decisionId: string): Promise<FlagWriteResult> {
  if (from.kind === 'enabled' && to.kind === 'enabled') {
    return flags.setEnabled({ flag: target.flag, decisionId, enabled: to.value, expectedEnabled: from.value });
  }
  if (from.kind === 'payload' && to.kind === 'payload') {
    return flags.replaceVariantPayload({
      flag: target.flag,
      decisionId,
      ...(target.strategyTitle === null ? {} : { strategy: { title: target.strategyTitle } }),
      ...(target.variant === null ? {} : { variant: target.variant }),
      payload: to.value,
      expectedPayload: from.value,
    });
  }
  throw new FlagShapeError(`decision ${decisionId}: cannot write a ${to.kind} value where a ${from.kind} value was planned`);
}

/**
 * What a flag-store failure means for the tuner:
 * - `outage`: the flag service is unreachable or failing (after the adapter's own retries): stop this
 *   round, change nothing, alert; decisions wait and are re-read on recovery;
 * - `auth`: the token was refused: stop and alert until it works again;
 * - `pending`: the project requires change requests: the decision goes back to an operator;
 * - `failed`: this decision cannot be carried out (drift, missing flag, unexpected shape, refused request).
 */
export type FlagFailure = 'outage' | 'auth' | 'pending' | 'failed';

/** Classifies a flag-store error; null for anything else (a bug, rethrown). */
export function classifyFlagError(error: unknown): FlagFailure | null {
  if (error instanceof FlagStoreUnavailableError) return 'outage';
  if (error instanceof FlagStoreAuthError) return 'auth';
  if (error instanceof ChangeRequestRequiredError) return 'pending';
  if (error instanceof FlagDriftError || error instanceof FlagNotFoundError || error instanceof FlagShapeError || error instanceof FlagRequestRejectedError) return 'failed';
  return null;
}
