/**
 * The steps that move one decision along its lifecycle:
 *
 *   proposed ─(operator)→ approved ─apply→ applied ─→ verifying ─judge→ kept
 *                                                          └─worse→ (revert) → reverted
 *   proposed/approved ─→ expired (finding resolved, too old) · rejected (operator) · failed (drift…)
 *
 * Every step reads the flag service before it writes, so a step interrupted by a crash is finished
 * (or found finished) instead of repeated: a flag already at the decision's target was written
 * before the crash and is recorded as applied ("reconciled"); a flag at neither the value planned
 * against nor the target was changed by someone else, and the decision fails instead of overwriting.
 * The decision's state is always written before the next call to the flag service, and every write
 * carries the round's leader epoch, so a deposed leader's write is refused by the store.
 */
import type { DecisionRecord } from '../store/state-store.js';
import type { DecisionProposal, FlagValue, FlagWrite, Verification } from './decision-proposal.js';
import { describeValue, sameValue } from './decision-proposal.js';
import { classifyFlagError, readTarget, writeTarget } from './flag-writes.js';
import { ALERTS, RoundStopped, frozenKey, holdsFlag, lastWriteMs, safeProposal } from './tuner-context.js';
import type { Round } from './tuner-context.js';

/** Automatic reverts in a row after which a flag freezes. */
export const FREEZE_AFTER_REVERTS = 3;

/** Carries out an approved decision (skipped in dry-run, under the kill switch, or while pacing holds it). */
export async function applyDecision(round: Round, d: DecisionRecord, p: DecisionProposal): Promise<void> {
  const { deps } = round;
  if (p.mode === 'dry-run' || round.killed) return;
  if (await otherChangeInFlight(round, d)) return;
  const target = p.target;
  const current = await round.flagCall(`reading ${target.flag} for decision ${d.id}`, () => readTarget(deps.flags, target));
  let applied: FlagWrite;
  if (sameValue(current, target.after)) {
    // Written before a crash (or by someone else meanwhile): the target holds, so it is not written again.
    applied = { atMs: deps.now(), eventId: null, changed: false, reconciled: true, leaderEpoch: round.epoch };
    deps.logger.info({ decision: d.id, flag: target.flag }, 'decision found already applied in the flag service; recorded, not written again');
  } else if (!sameValue(current, target.before)) {
    await fail(round, d, p, 'drift', `${target.flag} is ${describeValue(current)} now; the decision was planned against ${describeValue(target.before)}`);
    return;
  } else {
    const paced = await round.pacingOf(target.flag);
    if (!paced.allowed) {
      deps.logger.info({ decision: d.id, flag: target.flag, notBefore: new Date(paced.notBeforeMs).toISOString() }, `decision waits: ${paced.reason}`);
      return;
    }
    const write = await guardedWrite(round, d, p, target.before, target.after, 'tuner.beforeFlagWrite', 'tuner.afterFlagWrite');
    if (write === null) return;
    applied = write;
  }
  deps.metrics?.flagWrites.inc({ flag: target.flag, step: 'apply', outcome: outcomeOf(applied) });
  const next = await round.move(d, 'applied', { ...p, applied }, { eventId: applied.eventId, changed: applied.changed, reconciled: applied.reconciled });
  await startVerification(round, next, { ...p, applied });
}

/** Opens the verification window of an applied change. */
export async function startVerification(round: Round, d: DecisionRecord, p: DecisionProposal): Promise<void> {
  const { deps } = round;
  const changeMs = p.applied?.atMs ?? d.updatedAtMs;
  const verifyMs = deps.guardrails.limits.verifyWindowMs;
  const report = await deps.reportOf(d.upgradeId).catch(() => null);
  const afterStart = report === null ? Number.NEGATIVE_INFINITY : Date.parse(report.windows.after.start);
  // The before window holds the state this change answered: after the upgrade settled, and after the
  // last earlier change made for the same finding.
  const findingId = p.trigger?.findingId;
  const sameFinding = findingId === undefined ? [] : (await round.allDecisions()).filter((o) => o.id !== d.id && safeProposal(o)?.trigger?.findingId === findingId);
  const verification: Verification = {
    beforeFromMs: Math.max(changeMs - verifyMs, Number.isFinite(afterStart) ? afterStart : changeMs - verifyMs, lastWriteMs(sameFinding, changeMs)),
    changeMs,
    untilMs: changeMs + verifyMs,
    outcome: null,
    judgedAtMs: null,
    groups: [],
    summary: null,
  };
  await round.move(d, 'verifying', { ...p, verification }, { until: new Date(verification.untilMs).toISOString() });
}

/** Judges a change once its window is complete; keeps it, or records "worse" and reverts it. */
export async function continueVerification(round: Round, d: DecisionRecord, p: DecisionProposal): Promise<void> {
  const { deps } = round;
  let verification = p.verification;
  if (verification === null) {
    await startVerification(round, d, p);
    return;
  }
  let decision = d;
  let proposal = p;
  if (verification.outcome === null) {
    if (deps.now() < verification.untilMs + deps.config.monitoring.delayMs) return;
    verification = await deps.verify({
      decisionId: d.id,
      flag: d.flag,
      trigger: p.trigger,
      beforeFromMs: verification.beforeFromMs,
      changeMs: verification.changeMs,
      untilMs: verification.untilMs,
    });
    proposal = { ...p, verification };
    if (verification.outcome !== 'worse') {
      await round.move(d, 'kept', proposal, { outcome: verification.outcome, summary: verification.summary });
      deps.metrics?.verifications.inc({ flag: d.flag, outcome: verification.outcome ?? 'inconclusive' });
      deps.logger.info({ decision: d.id, flag: d.flag, outcome: verification.outcome }, `change kept: ${verification.summary ?? ''}`);
      return;
    }
    deps.metrics?.verifications.inc({ flag: d.flag, outcome: 'worse' });
    // The verdict is written before the revert, so a crash in between resumes with the revert.
    decision = await round.move(d, 'verifying', proposal, { outcome: 'worse', summary: verification.summary });
    deps.logger.warn({ decision: d.id, flag: d.flag }, `change made things worse; reverting: ${verification.summary ?? ''}`);
  }
  if (verification.outcome === 'worse') await revertDecision(round, decision, proposal, 'tuner');
}

/** Restores the value a decision replaced (exactly: the stored `before`). */
export async function revertDecision(round: Round, d: DecisionRecord, p: DecisionProposal, by: string): Promise<void> {
  const { deps } = round;
  if (round.killed) return;
  const target = p.target;
  const current = await round.flagCall(`reading ${target.flag} to revert decision ${d.id}`, () => readTarget(deps.flags, target));
  let reverted: FlagWrite;
  if (sameValue(current, target.before)) {
    reverted = { atMs: deps.now(), eventId: null, changed: false, reconciled: true, leaderEpoch: round.epoch };
  } else if (!sameValue(current, target.after)) {
    const message = `cannot revert decision ${d.id}: ${target.flag} is ${describeValue(current)} now, neither the tuner's ${describeValue(target.after)} nor the earlier ${describeValue(target.before)}; someone else changed it`;
    deps.alerts.raise({ name: ALERTS.revertBlocked, key: target.flag, labels: { flag: target.flag, decision: d.id }, summary: `A change that made things worse could not be reverted on ${target.flag}`, description: message, severity: 'critical' });
    await fail(round, d, p, 'revert_drift', message);
    return;
  } else {
    const write = await guardedWrite(round, d, p, target.after, target.before, 'tuner.beforeRevertWrite', 'tuner.afterRevertWrite');
    if (write === null) return;
    reverted = write;
  }
  deps.metrics?.flagWrites.inc({ flag: target.flag, step: 'revert', outcome: outcomeOf(reverted) });
  await round.move(d, 'reverted', { ...p, reverted: { ...reverted, by } }, { eventId: reverted.eventId, by });
  if (by === 'tuner') await freezeIfRevertedInARow(round, d.flag);
}

/** Leader check, failpoints and the write itself; null when the decision was failed or handed back. */
async function guardedWrite(
  round: Round,
  d: DecisionRecord,
  p: DecisionProposal,
  from: FlagValue,
  to: FlagValue,
  before: 'tuner.beforeFlagWrite' | 'tuner.beforeRevertWrite',
  after: 'tuner.afterFlagWrite' | 'tuner.afterRevertWrite',
): Promise<FlagWrite | null> {
  const { deps } = round;
  if ((await deps.elector.confirm()) !== round.epoch) throw new RoundStopped('not_leader', `epoch ${round.epoch} could not confirm its leadership before writing ${p.target.flag}`);
  await deps.failpoint(before);
  try {
    const result = await round.flagCall(`writing ${p.target.flag} for decision ${d.id}`, () => writeTarget(deps.flags, p.target, from, to, d.id));
    await deps.failpoint(after);
    return { atMs: deps.now(), eventId: result.eventId, changed: result.changed, reconciled: false, leaderEpoch: round.epoch };
  } catch (error) {
    const kind = classifyFlagError(error);
    const message = error instanceof Error ? error.message : String(error);
    if (kind === 'pending' && d.status === 'approved') {
      await round.move(d, 'proposed', { ...p, automatic: false, pendingReason: `the flag service requires a change request: ${message}` }, { reason: 'change_request_required' });
      return null;
    }
    if (kind === 'failed' || kind === 'pending') {
      await fail(round, d, p, (error as { code?: string }).code ?? 'failed', message);
      return null;
    }
    throw error;
  }
}

/** Marks a decision failed with the reason. */
export async function fail(round: Round, d: DecisionRecord, p: DecisionProposal, code: string, message: string): Promise<void> {
  const atMs = round.deps.now();
  round.deps.logger.warn({ decision: d.id, flag: d.flag, code }, `decision failed: ${message}`);
  round.deps.metrics?.flagWrites.inc({ flag: d.flag, step: p.reverted === null && p.verification?.outcome !== 'worse' ? 'apply' : 'revert', outcome: 'failed' });
  await round.move(d, 'failed', { ...p, failure: { code, message, atMs } }, { code, message });
}

/**
 * Whether another change is being applied or verified on the same flag, or for the same binary (one
 * change at a time per flag, and per suspect binary: two changes verified over the same windows
 * would each be credited, or blamed, for the other's effect).
 */
async function otherChangeInFlight(round: Round, d: DecisionRecord): Promise<boolean> {
  return (await changeInFlight(round, safeProposal(d)?.trigger?.binary ?? null, d)) !== null;
}

/** A change (not `except`) being applied or verified on `except`'s flag or for `binary`, or null. */
export async function changeInFlight(round: Round, binary: string | null, except?: DecisionRecord): Promise<DecisionRecord | null> {
  const inFlight = (o: DecisionRecord): boolean => (o.status === 'applied' || o.status === 'verifying') && holdsFlag(o);
  const related = (o: DecisionRecord): boolean => o.flag === except?.flag || (binary !== null && safeProposal(o)?.trigger?.binary === binary);
  return (await round.allDecisions()).find((o) => o.id !== except?.id && inFlight(o) && related(o)) ?? null;
}

/** After an automatic revert: three in a row (since the last unfreeze) freeze the flag and alert. */
async function freezeIfRevertedInARow(round: Round, flag: string): Promise<void> {
  const { deps } = round;
  const setting = await deps.store.getSetting(frozenKey(flag));
  const since = setting?.updatedAtMs ?? Number.NEGATIVE_INFINITY;
  const judged = (await round.allDecisions())
    .filter((d) => d.flag === flag && d.requestedBy === 'tuner' && d.updatedAtMs >= since && (d.status === 'kept' || (d.status === 'reverted' && safeProposal(d)?.reverted?.by === 'tuner')))
    .sort((a, b) => a.updatedAtMs - b.updatedAtMs || Number(a.id) - Number(b.id));
  const lastThree = judged.slice(-FREEZE_AFTER_REVERTS);
  if (lastThree.length < FREEZE_AFTER_REVERTS || !lastThree.every((d) => d.status === 'reverted')) return;
  const reason = `${FREEZE_AFTER_REVERTS} automatic reverts in a row (decisions ${lastThree.map((d) => d.id).join(', ')})`;
  const atMs = deps.now();
  await deps.store.putSetting(
    { key: frozenKey(flag), value: { frozen: true, reason }, updatedAtMs: atMs, updatedBy: 'tuner' },
    { atMs, actor: 'tuner', action: 'tuner.flag.frozen', subject: `flag/${flag}`, details: { reason } },
  );
  deps.alerts.raise({
    name: ALERTS.frozen,
    key: flag,
    labels: { flag },
    summary: `The tuner froze ${flag}: its changes were reverted ${FREEZE_AFTER_REVERTS} times in a row`,
    description: `${reason}. Nothing changes ${flag} on its own until an operator unfreezes it (POST /api/v1/tuner/flags/${encodeURIComponent(flag)}/unfreeze).`,
    severity: 'critical',
  });
  deps.logger.warn({ flag }, `flag frozen: ${reason}`);
}

function outcomeOf(write: FlagWrite): string {
  return write.reconciled ? 'reconciled' : write.changed ? 'changed' : 'unchanged';
}
