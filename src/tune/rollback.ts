/**
 * Configuration-level rollback of an upgrade: every flag the tuner changed for the upgrade goes back
 * to the value it had before the tuner's first change, newest change first. A snapshot restore of a
 * system does not undo flag flips in the flag service; this does.
 *
 * A flag someone else changed since the tuner's last write is refused and named (overwriting a human's
 * change is exactly what the drift checks exist to prevent); the others are restored. Each restore is
 * a decision of its own (action `restore`), written approved by the operator before the flag service
 * is called, so the rollback is in the decision log and the audit trail like every other change. The
 * upgrade's decisions still open are closed: never-applied ones expire, applied ones are marked
 * reverted by the restore.
 */
import type { FlagStore } from '../flags/flag-store.js';
import type { DecisionRecord, StateStore } from '../store/state-store.js';
import type { DecisionProposal, FlagTarget, FlagValue } from './decision-proposal.js';
import { describeValue, sameValue } from './decision-proposal.js';
import { classifyFlagError, readTarget, writeTarget } from './flag-writes.js';
import { StoreConflictError } from '../store/store-error.js';
import { safeProposal } from './tuner-context.js';
import { NOT_CARRIED_OUT } from './decision-proposal.js';

/** What the rollback would do to one flag. */
export interface RollbackItem {
  readonly flag: string;
  /** `restore`: will be (or was) restored; `unchanged`: already at its earlier value; `refused`: changed by someone else since. */
  readonly status: 'restore' | 'unchanged' | 'refused';
  /** The value before the tuner's first change for the upgrade. */
  readonly restoreTo: FlagValue;
  /** The value the tuner last wrote (what the flag should hold now). */
  readonly expected: FlagValue;
  /** What the flag service says now (null when the flag lacks it). */
  readonly current: FlagValue | null;
  /** The tuner's decisions that changed the flag, oldest first. */
  readonly decisions: readonly string[];
  readonly lastChangedAtMs: number;
  readonly reason: string;
}

/** What happened to one flag when the rollback was applied. */
export interface RollbackResult {
  readonly flag: string;
  readonly outcome: 'restored' | 'unchanged' | 'refused' | 'failed';
  /** The restore decision (restored, or failed at the flag service). */
  readonly decisionId: string | null;
  readonly eventId: number | null;
  readonly message: string;
}

export interface RollbackDeps {
  readonly store: StateStore;
  readonly flags: FlagStore;
  readonly now: () => number;
}

interface FlagHistory {
  readonly target: FlagTarget;
  readonly kind: DecisionRecord['kind'];
  readonly decisions: DecisionRecord[];
  readonly events: { atMs: number; value: FlagValue }[];
}

/** The preview: one item per flag the tuner changed for the upgrade, newest change first. */
export async function planRollback(deps: RollbackDeps, upgradeId: string): Promise<RollbackItem[]> {
  return (await preview(deps, upgradeId)).items;
}

/** The preview with the flag histories it was made from (one read of the decisions and of each flag). */
async function preview(deps: RollbackDeps, upgradeId: string): Promise<{ items: RollbackItem[]; histories: Map<string, FlagHistory> }> {
  const histories = historiesOf(await deps.store.listDecisions({ upgradeId }));
  const items: RollbackItem[] = [];
  for (const history of histories.values()) {
    const first = history.decisions.find((d) => safeProposal(d)?.action !== 'restore');
    if (first === undefined) continue;
    const restoreTo = (safeProposal(first) as DecisionProposal).target.before;
    const last = history.events.at(-1) as { atMs: number; value: FlagValue };
    const current = await readTarget(deps.flags, history.target);
    const ids = history.decisions.filter((d) => safeProposal(d)?.action !== 'restore').map((d) => d.id);
    const base = { flag: history.target.flag, restoreTo, expected: last.value, current, decisions: ids, lastChangedAtMs: last.atMs };
    if (sameValue(current, restoreTo)) items.push({ ...base, status: 'unchanged', reason: `already ${describeValue(restoreTo)}, its value before the tuner's first change` });
    else if (!sameValue(current, last.value)) {
      items.push({ ...base, status: 'refused', reason: `changed by someone else since the tuner's last write: it is ${describeValue(current)}, the tuner wrote ${describeValue(last.value)}` });
    } else items.push({ ...base, status: 'restore', reason: `${describeValue(current)} → ${describeValue(restoreTo)}` });
  }
  return { items: items.sort((a, b) => b.lastChangedAtMs - a.lastChangedAtMs), histories };
}

/** Applies the rollback: restores what the preview (returned with the results) marks `restore`, newest first. */
export async function applyRollback(deps: RollbackDeps, upgradeId: string, actor: string): Promise<{ items: RollbackItem[]; results: RollbackResult[] }> {
  const { items, histories } = await preview(deps, upgradeId);
  const results: RollbackResult[] = [];
  for (const item of items) {
    if (item.status !== 'restore') {
      results.push({ flag: item.flag, outcome: item.status, decisionId: null, eventId: null, message: item.reason });
      continue;
    }
    const history = histories.get(item.flag) as FlagHistory;
    results.push(await restore(deps, upgradeId, actor, item, history));
  }
  return { items, results };
}

async function restore(deps: RollbackDeps, upgradeId: string, actor: string, item: RollbackItem, history: FlagHistory): Promise<RollbackResult> {
  const target: FlagTarget = { ...history.target, before: item.expected, after: item.restoreTo, changes: [] };
  const proposal: DecisionProposal = {
    action: 'restore',
    summary: `roll back ${item.flag} for upgrade ${upgradeId}: ${item.reason} (undoes decisions ${item.decisions.join(', ')})`,
    mode: 'enforce',
    automatic: false,
    pendingReason: null,
    trigger: null,
    target,
    prediction: null,
    rollbackOf: item.decisions,
    ...NOT_CARRIED_OUT,
  };
  const epoch = (await deps.store.currentLeaderTerm())?.epoch ?? 0;
  const created = await deps.store.createDecision({
    upgradeId,
    flag: item.flag,
    kind: history.kind,
    proposal,
    status: 'approved',
    requestedBy: actor,
    approvedBy: actor,
    leaderEpoch: epoch,
    atMs: deps.now(),
  });
  let write;
  try {
    write = await writeTarget(deps.flags, target, item.expected, item.restoreTo, created.id);
  } catch (error) {
    if (classifyFlagError(error) === null) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await deps.store.transitionDecision(created.id, 'approved', 'failed', { atMs: deps.now(), actor, proposal: { ...proposal, failure: { code: (error as { code?: string }).code ?? 'failed', message, atMs: deps.now() } }, details: { message } }, created.version);
    return { flag: item.flag, outcome: 'failed', decisionId: created.id, eventId: null, message };
  }
  const atMs = deps.now();
  const applied = { atMs, eventId: write.eventId, changed: write.changed, reconciled: false, leaderEpoch: epoch };
  await deps.store.transitionDecision(created.id, 'approved', 'applied', { atMs, actor, proposal: { ...proposal, applied }, details: { eventId: write.eventId } }, created.version);
  await closeOpenDecisions(deps, history, created.id, actor, applied);
  return { flag: item.flag, outcome: 'restored', decisionId: created.id, eventId: write.eventId, message: item.reason };
}

/**
 * Closes the flag's decisions for the upgrade that still had work ahead. The tuner may move one of
 * them at the same moment (a verification ending): a lost compare-and-set is read again and retried.
 */
async function closeOpenDecisions(deps: RollbackDeps, history: FlagHistory, restoreId: string, actor: string, write: { atMs: number; eventId: number | null; changed: boolean; leaderEpoch: number }): Promise<void> {
  for (const listed of history.decisions) {
    for (let attempt = 0; ; attempt++) {
      const d = await deps.store.getDecision(listed.id);
      if (d === null) break;
      const p = safeProposal(d);
      const atMs = deps.now();
      try {
        if (d.status === 'proposed' || d.status === 'approved') {
          await deps.store.transitionDecision(d.id, d.status, 'expired', { atMs, actor, details: { reason: `rolled back by decision ${restoreId}` } }, d.version);
        } else if ((d.status === 'applied' || d.status === 'verifying') && p !== null && p.action !== 'restore') {
          // The restore decision holds the write; this marks what it undid (changed: false, so pacing counts the write once).
          const reverted = { atMs: write.atMs, eventId: write.eventId, changed: false, reconciled: false, leaderEpoch: write.leaderEpoch, by: `decision ${restoreId}` };
          await deps.store.transitionDecision(d.id, d.status, 'reverted', { atMs, actor, proposal: { ...p, reverted }, details: { by: restoreId } }, d.version);
        }
        break;
      } catch (error) {
        if (!(error instanceof StoreConflictError) || attempt >= 3) throw error;
      }
    }
  }
}

/** Per flag: its decisions (oldest first) and the values the tuner wrote, in time order. */
function historiesOf(decisions: readonly DecisionRecord[]): Map<string, FlagHistory> {
  const histories = new Map<string, FlagHistory>();
  for (const d of [...decisions].sort((a, b) => Number(a.id) - Number(b.id))) {
    const p = safeProposal(d);
    // A decision the tuner did not write (hand-inserted, or an older shape) changed no flag it knows of.
    if (p === null) continue;
    const wrote = p.applied !== null && (p.applied.changed || p.applied.reconciled);
    let history = histories.get(d.flag);
    if (history === undefined) {
      if (!wrote) continue;
      history = { target: p.target, kind: d.kind, decisions: [], events: [] };
      histories.set(d.flag, history);
    }
    history.decisions.push(d);
    if (wrote && p.applied !== null) history.events.push({ atMs: p.applied.atMs, value: p.target.after });
    if (p.reverted !== null && p.reverted.by === 'tuner' && (p.reverted.changed || p.reverted.reconciled)) history.events.push({ atMs: p.reverted.atMs, value: p.target.before });
  }
  for (const history of histories.values()) history.events.sort((a, b) => a.atMs - b.atMs);
  return histories;
}
