/**
 * The client's record of the kill -9 durability test: which requests were sent, which got a 2xx
 * (and what the answer said), which are in doubt (the connection died first), and the seeded choice
 * of the next request. Checks compare the service's and the store's state with this ledger.
 */
import type { Rng } from '../../src/detect/random.js';

/** Approval or rejection of a proposed decision. */
export type TransitionAction = 'approve' | 'reject';
/** The status an acknowledged {@link TransitionAction} leaves the decision at. */
export type TransitionStatus = 'approved' | 'rejected';

/** One request of the client stream. */
export type DurabilityOp =
  /** Registers a new upgrade (expects 201). */
  | { readonly kind: 'register'; readonly upgradeId: string }
  /** Approves or rejects a decision nobody touched yet (expects 200); rejections carry a reason. */
  | { readonly kind: 'transition'; readonly action: TransitionAction; readonly decisionId: string; readonly reason: string | null }
  /** Registers an acknowledged upgrade again (expects 409: it must still be there). */
  | { readonly kind: 'reregister'; readonly upgradeId: string }
  /** Approves or rejects an acknowledged decision again (expects 409: it is no longer pending). */
  | { readonly kind: 'retransition'; readonly action: TransitionAction; readonly decisionId: string };

/** What became of one request. */
export type DurabilityOutcome =
  /** A 2xx; `body` is the parsed answer, or null when the connection died while the body was read. */
  | { readonly kind: 'acked'; readonly status: number; readonly body: unknown }
  /** A non-2xx answer. */
  | { readonly kind: 'refused'; readonly status: number; readonly body: string }
  /** No answer: connection refused or reset, or the request timed out. It may or may not have landed. */
  | { readonly kind: 'in-doubt'; readonly error: string };

/** What an acknowledged registration said. */
export interface AckedUpgrade {
  readonly cycle: number;
  /** `registeredAt` of the 201 answer; null when its body was lost. */
  readonly registeredAt: string | null;
}

/** What an acknowledged approval or rejection said. */
export interface AckedTransition {
  readonly cycle: number;
  readonly status: TransitionStatus;
  /** `updatedAt` of the 200 answer; null when its body was lost. */
  readonly updatedAt: string | null;
  /** The rejection reason sent (null for approvals). */
  readonly reason: string | null;
}

/** A transition sent whose answer never came. */
export interface DoubtfulTransition {
  readonly status: TransitionStatus;
  readonly reason: string | null;
}

/** Share of requests that repeat an acknowledged one and must be refused with 409. */
const CONFLICT_SHARE = 0.1;
/** Share of requests that approve or reject a decision (while the cycle's budget lasts). */
const TRANSITION_SHARE = 0.45;
/** Share of transitions that are approvals (the rest are rejections). */
const APPROVE_SHARE = 0.6;

/** The ledger of one backend's run (all cycles). */
export class DurabilityLedger {
  /** Id of the upgrade the seeded decisions belong to (registered by the seeding, not the stream). */
  readonly seedUpgradeId: string;
  readonly seededDecisions: readonly string[];
  readonly sentUpgrades = new Set<string>();
  readonly ackedUpgrades = new Map<string, AckedUpgrade>();
  readonly doubtfulUpgrades = new Set<string>();
  readonly ackedTransitions = new Map<string, AckedTransition>();
  readonly doubtfulTransitions = new Map<string, DoubtfulTransition>();
  /** `upgrade/<id>` and `decision/<id>` of in-doubt requests seen to have landed after a restart. */
  readonly landed = new Set<string>();
  /** Answers that contradict the service's contract or an earlier acknowledgement. */
  readonly violations: string[] = [];
  /** Expected 409s of repeated requests. */
  conflictsRefused = 0;
  private readonly untouched: string[];
  private upgradeCount = 0;

  constructor(readonly label: string, seedUpgradeId: string, seededDecisions: readonly string[], private readonly decisionsPerCycle: number) {
    this.seedUpgradeId = seedUpgradeId;
    this.seededDecisions = seededDecisions;
    this.untouched = [...seededDecisions];
  }

  /** Acknowledged requests so far (2xx). */
  get acked(): number {
    return this.ackedUpgrades.size + this.ackedTransitions.size;
  }

  /** Requests in doubt so far. */
  get inDoubt(): number {
    return this.doubtfulUpgrades.size + this.doubtfulTransitions.size;
  }

  /** The next request of cycle `cycle`, drawn from `rng`; `transitionsSoFar` counts this cycle's transitions. */
  nextOp(rng: Rng, cycle: number, transitionsSoFar: number): DurabilityOp {
    const draw = rng.next();
    if (draw < CONFLICT_SHARE && this.acked > 0) return this.conflictOp(rng);
    if (draw < CONFLICT_SHARE + TRANSITION_SHARE && transitionsSoFar < this.decisionsPerCycle && this.untouched.length > 0) {
      const decisionId = this.untouched.splice(rng.int(this.untouched.length), 1)[0] as string;
      const approve = rng.next() < APPROVE_SHARE;
      return { kind: 'transition', action: approve ? 'approve' : 'reject', decisionId, reason: approve ? null : `durability ${this.label} cycle ${cycle} rejects ${decisionId}` };
    }
    const upgradeId = `durability-${this.label}-c${String(cycle).padStart(2, '0')}-${String(++this.upgradeCount).padStart(5, '0')}`;
    this.sentUpgrades.add(upgradeId);
    return { kind: 'register', upgradeId };
  }

  private conflictOp(rng: Rng): DurabilityOp {
    const index = rng.int(this.acked);
    if (index < this.ackedUpgrades.size) return { kind: 'reregister', upgradeId: [...this.ackedUpgrades.keys()][index] as string };
    const decisionId = [...this.ackedTransitions.keys()][index - this.ackedUpgrades.size] as string;
    return { kind: 'retransition', action: rng.next() < 0.5 ? 'approve' : 'reject', decisionId };
  }

  /** Records what became of `op` (sent in cycle `cycle`); contradictions go to {@link violations}. */
  record(op: DurabilityOp, outcome: DurabilityOutcome, cycle: number): void {
    const what = `cycle ${cycle}: ${describeOp(op)}`;
    if (op.kind === 'reregister' || op.kind === 'retransition') {
      if (outcome.kind === 'refused' && outcome.status === 409) this.conflictsRefused++;
      else if (outcome.kind !== 'in-doubt') this.violations.push(`${what} answered ${describeOutcome(outcome)}, expected 409 (it was acknowledged before)`);
      return;
    }
    if (outcome.kind === 'in-doubt') {
      if (op.kind === 'register') this.doubtfulUpgrades.add(op.upgradeId);
      else this.doubtfulTransitions.set(op.decisionId, { status: statusOf(op.action), reason: op.reason });
      return;
    }
    if (outcome.kind === 'refused') {
      this.violations.push(`${what} answered ${describeOutcome(outcome)}, expected ${op.kind === 'register' ? 201 : 200}`);
      return;
    }
    if (op.kind === 'register') this.recordRegistration(op.upgradeId, outcome, what, cycle);
    else this.recordTransition(op, outcome, what, cycle);
  }

  private recordRegistration(upgradeId: string, outcome: DurabilityOutcome & { kind: 'acked' }, what: string, cycle: number): void {
    const body = outcome.body as { id?: unknown; registeredAt?: unknown } | null;
    if (outcome.status !== 201) this.violations.push(`${what} answered ${outcome.status}, expected 201`);
    if (body !== null && body.id !== upgradeId) this.violations.push(`${what} acknowledged id ${JSON.stringify(body.id)}`);
    const registeredAt = body !== null && typeof body.registeredAt === 'string' ? body.registeredAt : null;
    this.ackedUpgrades.set(upgradeId, { cycle, registeredAt });
  }

  private recordTransition(op: DurabilityOp & { kind: 'transition' }, outcome: DurabilityOutcome & { kind: 'acked' }, what: string, cycle: number): void {
    const status = statusOf(op.action);
    const body = outcome.body as { id?: unknown; status?: unknown; approvedBy?: unknown; updatedAt?: unknown } | null;
    if (outcome.status !== 200) this.violations.push(`${what} answered ${outcome.status}, expected 200`);
    if (body !== null) {
      const expectedApprover = op.action === 'approve' ? 'operator' : null;
      if (body.id !== op.decisionId || body.status !== status || body.approvedBy !== expectedApprover) {
        this.violations.push(`${what} acknowledged ${JSON.stringify({ id: body.id, status: body.status, approvedBy: body.approvedBy })}, expected id ${op.decisionId}, status ${status}, approvedBy ${expectedApprover}`);
      }
    }
    const updatedAt = body !== null && typeof body.updatedAt === 'string' ? body.updatedAt : null;
    this.ackedTransitions.set(op.decisionId, { cycle, status, updatedAt, reason: op.reason });
  }
}

/** `approve` → `approved`, `reject` → `rejected`. */
export function statusOf(action: TransitionAction): TransitionStatus {
  return action === 'approve' ? 'approved' : 'rejected';
}

/** A short human description of `op` for messages. */
export function describeOp(op: DurabilityOp): string {
  switch (op.kind) {
    case 'register':
      return `POST /api/v1/upgrades ${op.upgradeId}`;
    case 'reregister':
      return `POST /api/v1/upgrades ${op.upgradeId} (again)`;
    case 'transition':
      return `POST /api/v1/decisions/${op.decisionId}/${op.action}`;
    case 'retransition':
      return `POST /api/v1/decisions/${op.decisionId}/${op.action} (again)`;
  }
}

function describeOutcome(outcome: DurabilityOutcome): string {
  if (outcome.kind === 'in-doubt') return `nothing (${outcome.error})`;
  if (outcome.kind === 'refused') return `${outcome.status} ${outcome.body.slice(0, 300)}`;
  return `${outcome.status} ${JSON.stringify(outcome.body)}`;
}
