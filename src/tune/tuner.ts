/**
 * The tuner: answers open regressions with flag changes the guardrails allow, and sees each change
 * through (apply, verify, keep or revert). It acts only while this replica leads (every write
 * carries the leader epoch), never while the kill switch holds, and never writes in dry-run.
 *
 * One round, run on a timer and right after each detection pass:
 *  1. decisions with work ahead continue, oldest first (expire what lost its reason, apply approved
 *     ones, judge and keep or revert verified ones); reading the flag service first makes a round
 *     after a crash finish what the crashed one started instead of repeating it;
 *  2. open regressions attributed to a binary get at most one new decision each, from the first
 *     guardrails rule that still has something to try: a rule whose change for that finding was
 *     reverted, rejected or failed is not tried again, a gate kept off settles the finding, and a
 *     kept tuning step may be followed by the next one (pacing limits allowing).
 * An unreachable flag service stops the round (nothing is changed, an alert is raised); the next
 * round starts over from what the flag service says.
 */
import type { Report, ReportSuspect } from '../report/report.js';
import type { DecisionRecord, FindingRecord } from '../store/state-store.js';
import { applyDecision, changeInFlight, continueVerification } from './decision-steps.js';
import { TUNER_ACTOR } from './decision-proposal.js';
import type { DecisionProposal } from './decision-proposal.js';
import { rulesFor } from './guardrails-config.js';
import type { GuardrailRule } from './guardrails-config.js';
import { planDecision } from './plan-decision.js';
import { ALERTS, OPEN_STATUSES, Round, RoundStopped, freezeOf, frozenKey, holdsFlag, lastWriteMs, safeProposal } from './tuner-context.js';
import type { FreezeState, TunerDeps } from './tuner-context.js';

const DAY_MS = 24 * 3600_000;
/**
 * A restore decision belongs to the rollback request that created it, which writes the flag itself
 * within seconds; one still approved after this long is from a request that died midway.
 */
export const ABANDONED_RESTORE_MS = 5 * 60_000;

/** What the tuner reports about itself (`GET /api/v1/tuner`). */
export interface TunerStatus {
  readonly mode: 'enforce' | 'dry-run';
  readonly leader: boolean;
  readonly epoch: number | null;
  readonly lastRound: { readonly atMs: number; readonly outcome: 'ok' | 'outage' | 'auth' | 'not_leader' | 'killed' | 'error'; readonly message: string | null } | null;
  /** Why an open finding got no decision in the last round (finding id → reason). */
  readonly notActing: Readonly<Record<string, string>>;
}

export interface Tuner {
  /** One round now (no-op unless leading). */
  round(): Promise<void>;
  /** Asks for a round soon (coalesced); used after each detection pass. */
  poke(): void;
  /** Rounds every `intervalMs` from now on. */
  start(intervalMs: number): void;
  /** Stops the timer and waits for a running round. */
  stop(): Promise<void>;
  status(): TunerStatus;
  /** Frozen flags among the guardrails' rules. */
  frozenFlags(): Promise<{ flag: string; state: FreezeState }[]>;
  /** Lifts a flag's freeze (audited); its revert count starts over. */
  unfreeze(flag: string, actor: string): Promise<void>;
}

/** Creates the tuner; nothing runs until `start`, `round` or `poke`. */
export function createTuner(deps: TunerDeps): Tuner {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let active = false;
  let lastRound: TunerStatus['lastRound'] = null;
  let notActing: Record<string, string> = {};
  /** Plans that gave no decision, by what they depended on: unchanged inputs are not simulated again. */
  const unplannable = new Map<string, string>();

  async function round(): Promise<void> {
    const epoch = deps.elector.current();
    deps.metrics?.leader.set(epoch === null ? 0 : 1);
    if (epoch === null) return;
    const atMs = deps.now();
    const killed = (await deps.killSwitch.state()).engaged;
    const r = new Round(deps, epoch, killed);
    try {
      await continueDecisions(r);
      notActing = await planNewDecisions(r, unplannable);
      lastRound = { atMs, outcome: killed ? 'killed' : 'ok', message: killed ? 'kill switch engaged: no flag changes' : null };
      deps.metrics?.rounds.inc({ outcome: lastRound.outcome });
    } catch (error) {
      if (error instanceof RoundStopped) {
        lastRound = { atMs, outcome: error.reason, message: error.message };
        deps.metrics?.rounds.inc({ outcome: error.reason });
        deps.logger.warn({ reason: error.reason }, `tuner round stopped: ${error.message}`);
        return;
      }
      lastRound = { atMs, outcome: 'error', message: error instanceof Error ? error.message : String(error) };
      deps.metrics?.rounds.inc({ outcome: 'error' });
      throw error;
    }
  }

  function runRound(): Promise<void> {
    if (running !== null) {
      again = true;
      return running;
    }
    running = round()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'tuner round failed; retrying at the next one'))
      .finally(() => {
        running = null;
        if (again && active) {
          again = false;
          void runRound();
        }
      });
    return running;
  }

  function schedule(intervalMs: number): void {
    timer = setTimeout(() => {
      void runRound().finally(() => {
        if (active) schedule(intervalMs);
      });
    }, intervalMs);
    timer.unref();
  }

  return {
    round: runRound,
    poke: () => {
      if (active) void runRound();
    },
    start: (intervalMs) => {
      if (active) return;
      active = true;
      schedule(intervalMs);
    },
    stop: async () => {
      active = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
    status: () => ({ mode: deps.guardrails.mode, leader: deps.elector.current() !== null, epoch: deps.elector.current(), lastRound, notActing }),
    frozenFlags: async () => {
      const flags = [...new Set(deps.guardrails.rules.map((r) => r.flag))];
      const states = await Promise.all(flags.map(async (flag) => ({ flag, state: await freezeOf(deps.store, flag) })));
      return states.filter((s): s is { flag: string; state: FreezeState } => s.state?.frozen === true);
    },
    unfreeze: async (flag, actor) => {
      const atMs = deps.now();
      await deps.store.putSetting(
        { key: frozenKey(flag), value: { frozen: false, reason: null }, updatedAtMs: atMs, updatedBy: actor },
        { atMs, actor, action: 'tuner.flag.unfrozen', subject: `flag/${flag}`, details: {} },
      );
      deps.alerts.clear(ALERTS.frozen, flag);
    },
  };
}

/** Step 1: every decision with work ahead, oldest first. */
async function continueDecisions(r: Round): Promise<void> {
  const { deps } = r;
  const open = (await r.allDecisions()).filter((d) => OPEN_STATUSES.includes(d.status));
  if (open.length === 0) return;
  const findings = new Map((await deps.store.listFindings()).map((f) => [f.id, f]));
  for (const listed of open) {
    const d = await deps.store.getDecision(listed.id);
    if (d === null || !OPEN_STATUSES.includes(d.status)) continue;
    const p = safeProposal(d);
    if (p === null) {
      deps.logger.error({ decision: d.id }, 'decision proposal is not one the tuner wrote; left for an operator');
      continue;
    }
    if (p.action === 'restore') {
      // Never applied here: the request is writing it right now (the race would write the flag twice).
      if (d.status === 'approved' && deps.now() - d.updatedAtMs > ABANDONED_RESTORE_MS) {
        await r.move(d, 'expired', p, { reason: 'the rollback request that created it did not finish; preview the rollback again to see where each flag stands' });
      }
      continue;
    }
    const expiry = expiryReason(d, p, findings, deps.now(), deps.proposalTtlMs ?? DAY_MS);
    if (expiry !== null) {
      await r.move(d, 'expired', p, { reason: expiry });
      continue;
    }
    if (d.status === 'approved') await applyDecision(r, d, p);
    else if (d.status === 'applied' || d.status === 'verifying') await continueVerification(r, d, p);
  }
}

/** Why a decision that was never applied no longer should be (null: it still should). */
function expiryReason(d: DecisionRecord, p: DecisionProposal, findings: ReadonlyMap<string, FindingRecord>, nowMs: number, ttlMs: number): string | null {
  if (d.status !== 'proposed' && d.status !== 'approved') return null;
  if (p.trigger !== null) {
    const finding = findings.get(p.trigger.findingId);
    if (finding === undefined) return `finding ${p.trigger.findingId} no longer exists`;
    if (finding.resolvedAtMs !== null) return `finding ${finding.id} was resolved at ${new Date(finding.resolvedAtMs).toISOString()}`;
  }
  if (d.status === 'proposed' && nowMs - d.createdAtMs > ttlMs) return `nobody approved it within ${Math.round(ttlMs / 3600_000)} h`;
  return null;
}

/** Step 2: new decisions for open regressions. Returns, per finding left alone, why. */
async function planNewDecisions(r: Round, unplannable: Map<string, string>): Promise<Record<string, string>> {
  const { deps } = r;
  const notActing: Record<string, string> = {};
  const findings = (await deps.store.listFindings({ open: true })).filter((f) => f.verdict === 'regression');
  const reports = new Map<string, Report | null>();
  for (const finding of findings) {
    const binary = topSuspect(finding);
    if (binary === null) {
      notActing[finding.id] = 'not attributed to a binary of the upgrade';
      continue;
    }
    const governed = rulesFor(deps.guardrails, finding.signal, binary);
    const rules = governed.length > 0 ? governed : await ungovernedFlags(r, finding, binary);
    if (rules.length === 0) {
      notActing[finding.id] = `no guardrails rule answers ${finding.signal} attributed to ${binary}, and the upgrade names no flag for ${binary}`;
      continue;
    }
    const mine = (await r.allDecisions()).filter((d) => safeProposal(d)?.trigger?.findingId === finding.id);
    if (mine.some((d) => OPEN_STATUSES.includes(d.status))) continue;
    if (mine.some((d) => d.status === 'kept' && rules.find((rule) => rule.flag === d.flag)?.kind === 'gate')) continue;
    // After a change for this finding (or its revert), the next one waits a verify window: its own
    // verification then compares against a before window that the earlier change no longer moves.
    const settledAt = lastWriteMs(mine) + deps.guardrails.limits.verifyWindowMs;
    if (deps.now() < settledAt) {
      const last = mine.at(-1);
      notActing[finding.id] = `settling after decision ${last?.id ?? '?'} until ${new Date(settledAt).toISOString()}`;
      continue;
    }
    const busy = await changeInFlight(r, binary);
    if (busy !== null) {
      notActing[finding.id] = `one change at a time for ${binary}: decision ${busy.id} (${busy.flag}) is ${busy.status}`;
      continue;
    }
    let why: string | null = null;
    for (const rule of rules) {
      why = await tryRule(r, finding, binary, rule, mine, reports, unplannable);
      if (why === null) break;
    }
    if (why !== null) notActing[finding.id] = why;
  }
  return notActing;
}

/** Plans and writes the rule's decision for the finding; returns why not, or null when written. */
async function tryRule(
  r: Round,
  finding: FindingRecord,
  binary: string,
  rule: GuardrailRule,
  mine: readonly DecisionRecord[],
  reports: Map<string, Report | null>,
  unplannable: Map<string, string>,
): Promise<string | null> {
  const { deps } = r;
  const earlier = mine.filter((d) => d.flag === rule.flag);
  const settled = earlier.find((d) => d.status !== 'kept' || rule.kind === 'gate');
  if (settled !== undefined) return `${rule.flag}: decision ${settled.id} for this finding ended ${settled.status}; not tried again`;
  const lastKept = earlier.at(-1);
  if (lastKept !== undefined && safeProposal(lastKept)?.verification?.outcome !== 'better') {
    return `${rule.flag}: the last step (decision ${lastKept.id}) was kept without a measurable improvement; no further step`;
  }
  const frozen = await r.frozen(rule.flag);
  if (frozen === null) {
    const paced = await r.pacingOf(rule.flag);
    if (!paced.allowed) return `${rule.flag}: ${paced.reason}`;
  }
  if ((await r.allDecisions()).some((d) => d.flag === rule.flag && holdsFlag(d))) return `${rule.flag}: another decision on it is in progress`;
  if (!reports.has(finding.upgradeId)) reports.set(finding.upgradeId, await deps.reportOf(finding.upgradeId).catch(() => null));
  const state = await r.flagCall(`reading ${rule.flag} to plan`, () =>
    deps.flags.readFlag(rule.flag, rule.kind === 'tune' && rule.strategyTitle !== null ? { title: rule.strategyTitle } : undefined),
  );
  const report = reports.get(finding.upgradeId) ?? null;
  const memo = JSON.stringify([finding.id, finding.updatedAtMs, rule.flag, lastKept?.id ?? null, frozen?.sinceMs ?? null, report?.monitoring?.asOf ?? null, state]);
  const known = unplannable.get(memo);
  if (known !== undefined) return known;
  const plan = planDecision({
    context: { finding, binary, report, ...(lastKept === undefined ? {} : { verified: safeProposal(lastKept)?.verification ?? null }) },
    rule,
    state,
    config: deps.config,
    mode: deps.guardrails.mode,
    frozen: frozen === null ? null : `${rule.flag} is frozen: ${frozen.reason ?? 'by an operator'}`,
    needsApproval: deps.guardrails.rules.some((g) => g.flag === rule.flag)
      ? null
      : `no guardrails rule lets the tuner change ${rule.flag} on its own; the upgrade names it for ${binary}`,
  });
  if (!plan.ok) {
    if (unplannable.size >= 1000) unplannable.clear();
    unplannable.set(memo, plan.reason);
    return plan.reason;
  }
  const automatic = plan.proposal.automatic;
  const created = await r.create({
    upgradeId: finding.upgradeId,
    flag: rule.flag,
    kind: plan.kind,
    proposal: plan.proposal,
    status: automatic ? 'approved' : 'proposed',
    requestedBy: TUNER_ACTOR,
    approvedBy: automatic ? 'guardrails' : null,
  });
  deps.metrics?.decisions.inc({ flag: rule.flag, action: plan.proposal.action, automatic: String(automatic), mode: plan.proposal.mode });
  deps.logger.info({ decision: created.id, flag: rule.flag, automatic, mode: plan.proposal.mode }, `decision ${created.id}: ${plan.proposal.summary}`);
  if (automatic && plan.proposal.mode === 'enforce') {
    const fresh = await deps.store.getDecision(created.id);
    if (fresh !== null) await applyDecision(r, fresh, plan.proposal);
  }
  return null;
}

/**
 * "Everything else waits for a human": the flags the finding's upgrade names for the suspect binary
 * (upgrade.json `flags`) that no guardrails rule governs, as gates whose remedy is `disable`. Their
 * decisions are always pending (see `needsApproval` in the planner).
 */
async function ungovernedFlags(r: Round, finding: FindingRecord, binary: string): Promise<GuardrailRule[]> {
  const upgrade = await r.deps.upgradeOf(finding.upgradeId).catch(() => null);
  if (upgrade === null) return [];
  const governed = new Set(r.deps.guardrails.rules.map((g) => g.flag));
  return upgrade.flags
    .filter((f) => f.binary === binary && !governed.has(f.name))
    .map((f) => ({ kind: 'gate' as const, flag: f.name, may: ['disable' as const], when: { signals: [finding.signal], binaries: [binary] } }));
}

/** The finding's top suspect binary, or null when it has none. */
function topSuspect(finding: FindingRecord): string | null {
  const suspects = Array.isArray(finding.suspects) ? (finding.suspects as ReportSuspect[]) : [];
  const top = [...suspects].sort((a, b) => b.score - a.score)[0];
  return typeof top?.binary === 'string' ? top.binary : null;
}

