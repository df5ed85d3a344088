/**
 * What one round of the tuner works with: its dependencies, the leader epoch it acts under, and the
 * small helpers every step shares (fenced transitions, flag-service calls that stop the round on an
 * outage, pacing of a flag, frozen flags).
 */
import type { OperationalAlert } from '../alerts/index.js';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { Report } from '../report/report.js';
import type { DecisionRecord, DecisionStatus, NewDecision, StateStore } from '../store/state-store.js';
import type { DecisionProposal, Verification } from './decision-proposal.js';
import { parseProposal } from './decision-proposal.js';
import type { Failpoint } from './failpoints.js';
import { classifyFlagError } from './flag-writes.js';
import { pacing } from './guardrail-policy.js';
import type { Pacing } from './guardrail-policy.js';
import type { Guardrails } from './guardrails-config.js';
import type { KillSwitch } from './kill-switch.js';
import type { LeaderElector } from './leader-election.js';
import type { TunerMetrics } from './tuner-metrics.js';
import type { VerifyRequest } from './verify-change.js';
import type { Upgrade } from '../upgrades/upgrade.js';

/** An operational alert as the tuner raises it: the alert dispatcher's own shape. */
export type TunerAlert = OperationalAlert;

/** Where the tuner's alerts go. */
export interface TunerAlerts {
  raise(alert: TunerAlert): void;
  clear(name: string, key: string): void;
}

/** pino-compatible logging. */
export interface TunerLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Everything the tuner needs; all I/O is injected. */
export interface TunerDeps {
  readonly config: ShiftguardConfig;
  readonly guardrails: Guardrails;
  readonly store: StateStore;
  readonly flags: FlagStore;
  readonly killSwitch: KillSwitch;
  readonly elector: LeaderElector;
  /** The registered upgrade (its binaries and the flags it names), or null when it is unknown. */
  readonly upgradeOf: (upgradeId: string) => Promise<Upgrade | null>;
  /** The upgrade's current report (monitoring or final), or null when it is unknown. */
  readonly reportOf: (upgradeId: string) => Promise<Report | null>;
  /** Verification of a change (before/after analysis through the metrics source). */
  readonly verify: (request: VerifyRequest) => Promise<Verification>;
  readonly alerts: TunerAlerts;
  readonly now: () => number;
  readonly logger: TunerLogger;
  readonly failpoint: Failpoint;
  readonly metrics?: TunerMetrics;
  /** Proposals nobody approved expire after this long (default 24 h). */
  readonly proposalTtlMs?: number;
}

/** Alert names (Alertmanager `alertname`). */
export const ALERTS = {
  unavailable: 'ShiftguardUnleashUnavailable',
  auth: 'ShiftguardUnleashAuthRefused',
  frozen: 'ShiftguardFlagFrozen',
  revertBlocked: 'ShiftguardRevertBlocked',
} as const;

/** Why a round stopped early. */
export class RoundStopped extends Error {
  readonly reason: 'outage' | 'auth' | 'not_leader';
  constructor(reason: 'outage' | 'auth' | 'not_leader', message: string) {
    super(message);
    this.name = 'RoundStopped';
    this.reason = reason;
  }
}

/** A stale leader's write refused by the store (its `code` is `stale_leader`). */
export function isFenced(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'stale_leader';
}

const FROZEN_PREFIX = 'tuner.frozen/';

/** The setting key of a flag's freeze. */
export function frozenKey(flag: string): string {
  return `${FROZEN_PREFIX}${flag}`;
}

/** A flag's freeze as stored. */
export interface FreezeState {
  readonly frozen: boolean;
  readonly reason: string | null;
  readonly sinceMs: number;
  readonly by: string;
}

/** One round's view: its epoch and whether the kill switch holds. */
export class Round {
  readonly deps: TunerDeps;
  readonly epoch: number;
  readonly killed: boolean;
  private decisions: DecisionRecord[] | null = null;

  constructor(deps: TunerDeps, epoch: number, killed: boolean) {
    this.deps = deps;
    this.epoch = epoch;
    this.killed = killed;
  }

  /** Every decision (read once per round, refreshed after each write). */
  async allDecisions(): Promise<DecisionRecord[]> {
    this.decisions ??= await this.deps.store.listDecisions();
    return this.decisions;
  }

  /** Writes a new decision (fenced by this round's epoch). */
  async create(input: Omit<NewDecision, 'leaderEpoch' | 'atMs'>): Promise<DecisionRecord> {
    return this.fenced(() => this.deps.store.createDecision({ ...input, leaderEpoch: this.epoch, atMs: this.deps.now() }));
  }

  /** Moves a decision (fenced by this round's epoch); the round's list is refreshed. */
  async move(d: DecisionRecord, to: DecisionStatus, proposal: DecisionProposal, details?: unknown): Promise<DecisionRecord> {
    return this.fenced(() =>
      this.deps.store.transitionDecision(
        d.id,
        d.status,
        to,
        { atMs: this.deps.now(), actor: 'tuner', proposal, leaderEpoch: this.epoch, ...(details === undefined ? {} : { details }) },
        d.version,
      ),
    );
  }

  /** A decision write under this round's epoch: refreshes the round's list; a refusal as stale stops the round. */
  private async fenced(write: () => Promise<DecisionRecord>): Promise<DecisionRecord> {
    try {
      const written = await write();
      this.decisions = null;
      return written;
    } catch (error) {
      if (isFenced(error)) throw new RoundStopped('not_leader', `epoch ${this.epoch} no longer leads: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Calls the flag service; an outage or a refused token stops the round (and alerts). */
  async flagCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.deps.alerts.clear(ALERTS.unavailable, '');
      this.deps.alerts.clear(ALERTS.auth, '');
      return result;
    } catch (error) {
      const kind = classifyFlagError(error);
      const message = error instanceof Error ? error.message : String(error);
      if (kind === 'outage') {
        this.deps.metrics?.flagServiceErrors.inc({ kind: 'outage' });
        this.deps.alerts.raise({
          name: ALERTS.unavailable,
          key: '',
          labels: { environment: this.deps.flags.environment },
          summary: 'Unleash is unreachable or failing: the tuner changes nothing until it answers',
          description: `${what}: ${message}`,
        });
        throw new RoundStopped('outage', `${what}: ${message}`);
      }
      if (kind === 'auth') {
        this.deps.metrics?.flagServiceErrors.inc({ kind: 'auth' });
        this.deps.alerts.raise({
          name: ALERTS.auth,
          key: '',
          labels: { environment: this.deps.flags.environment },
          summary: 'Unleash refused the tuner\'s token: the tuner changes nothing until it is fixed',
          description: `${what}: ${message}. The token is the value of environment variable ${this.deps.guardrails.unleash.tokenEnv} (guardrails unleash.tokenEnv): check that Unleash knows it, that it has not expired and that it may change this project's flags. Fixed in Unleash, it works again at the next round; a new value needs a restart (the variable is read at start)`,
          severity: 'critical',
        });
        throw new RoundStopped('auth', `${what}: ${message}`);
      }
      throw error;
    }
  }

  /** Cooldown and daily cap of a flag, from every change the tuner wrote to it (reverts and restores included). */
  async pacingOf(flag: string): Promise<Pacing> {
    const changes: number[] = [];
    for (const d of await this.allDecisions()) {
      if (d.flag !== flag) continue;
      const p = safeProposal(d);
      if (p?.applied?.changed === true || p?.applied?.reconciled === true) changes.push(p.applied.atMs);
      if (p?.reverted?.changed === true || p?.reverted?.reconciled === true) changes.push(p.reverted.atMs);
    }
    return pacing(changes, this.deps.now(), this.deps.guardrails.limits);
  }

  /** The flag's freeze, when frozen. */
  async frozen(flag: string): Promise<FreezeState | null> {
    const state = await freezeOf(this.deps.store, flag);
    return state?.frozen === true ? state : null;
  }
}

/** A flag's freeze setting (null when never frozen). */
export async function freezeOf(store: StateStore, flag: string): Promise<FreezeState | null> {
  const record = await store.getSetting(frozenKey(flag));
  if (record === null) return null;
  const value = record.value as Partial<FreezeState> | null;
  return { frozen: value?.frozen === true, reason: typeof value?.reason === 'string' ? value.reason : null, sinceMs: record.updatedAtMs, by: record.updatedBy };
}

/** The decision's proposal, or null when it is not one the tuner wrote (logged by the caller). */
export function safeProposal(d: DecisionRecord): DecisionProposal | null {
  try {
    return parseProposal(d.proposal, d.id);
  } catch {
    return null;
  }
}

/** When the tuner last wrote a flag for any of `decisions` (apply or revert), or -Infinity. */
export function lastWriteMs(decisions: readonly DecisionRecord[], beforeMs = Number.POSITIVE_INFINITY): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const d of decisions) {
    const p = safeProposal(d);
    for (const write of [p?.applied, p?.reverted]) {
      if (write !== null && write !== undefined && (write.changed || write.reconciled) && write.atMs < beforeMs) last = Math.max(last, write.atMs);
    }
  }
  return last;
}

/** Statuses in which a decision still has work ahead. */
export const OPEN_STATUSES: readonly DecisionStatus[] = ['proposed', 'approved', 'applied', 'verifying'];

/**
 * Whether a decision still holds its flag: an open status, except a rollback's `restore` once
 * applied (the rollback request wrote the flag; nothing follows, so it stays `applied` for good).
 */
export function holdsFlag(d: DecisionRecord): boolean {
  return OPEN_STATUSES.includes(d.status) && !(d.status === 'applied' && safeProposal(d)?.action === 'restore');
}
