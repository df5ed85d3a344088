/**
 * The planner: what one guardrails rule would change in answer to one finding, given the flag as it
 * is now. A gate rule flips the gate (automatic when the rule's `may` allows that action); a tune rule
 * asks the retry-loop model for new backoff constants one bounded step away (always inside the
 * rule's bounds, so automatic). A frozen flag, or a flag the upgrade names for the suspect binary
 * that no rule governs (`needsApproval`), gives a pending decision for an operator. Pure: no I/O, so it is tested exhaustively and reasoned about alone.
 */
import type { ShiftguardConfig, SignalConfig } from '../config/shiftguard-config.js';
import type { FlagState, JsonValue } from '../flags/flag-store.js';
import type { Report, ReportGroup, ReportStatistic } from '../report/report.js';
import { labelsKey } from '../series/model.js';
import type { DecisionKind, FindingRecord } from '../store/state-store.js';
import { fitAttemptModel } from './attempt-model.js';
import type { ServiceObservations } from './attempt-model.js';
import type { DecisionPrediction, DecisionProposal, DecisionTrigger, FlagValue, Verification } from './decision-proposal.js';
import { NOT_CARRIED_OUT, currentValue, describeValue } from './decision-proposal.js';
import type { GateRule, GuardrailRule, TuneRule } from './guardrails-config.js';
import { constantsOf, planBackoff } from './plan-backoff.js';

/** What the planner knows about the finding. */
export interface FindingContext {
  readonly finding: FindingRecord;
  /** The binary the finding is attributed to (its top suspect). */
  readonly binary: string;
  /** The upgrade's current report (other groups of the same service feed the retry model). */
  readonly report: Report | null;
  /**
   * The verification of the last kept step for this finding, when there is one: its after-change
   * window is the current state, fresher than the upgrade's after window, which still mixes in the
   * time before the step.
   */
  readonly verified?: Verification | null;
}

/** Everything one plan needs. */
export interface PlanInput {
  readonly context: FindingContext;
  readonly rule: GuardrailRule;
  /** The flag as read now (the tune rule's strategy selected). */
  readonly state: FlagState;
  readonly config: ShiftguardConfig;
  readonly mode: 'enforce' | 'dry-run';
  /** Why the flag is frozen, or null. */
  readonly frozen: string | null;
  /** Why an operator must approve even an allowed action (a flag no guardrails rule governs), or null. */
  readonly needsApproval?: string | null;
  /** Seed of the model's simulations (reproducible predictions). */
  readonly seed?: number;
}

/** A decision to write, or why there is none. */
export type Plan =
  | { readonly ok: true; readonly kind: DecisionKind; readonly proposal: DecisionProposal }
  | { readonly ok: false; readonly reason: string };

/** Plans the rule's answer to the finding. */
export function planDecision(input: PlanInput): Plan {
  return input.rule.kind === 'gate' ? planGate(input, input.rule) : planTune(input, input.rule);
}

function planGate(input: PlanInput, rule: GateRule): Plan {
  const { state } = input;
  const action = state.enabled ? 'disable' : 'enable';
  // The rule's actions name the remedy; a gate already where they lead has nothing left to do
  // (after a human flipped it, say), and proposing the opposite would only undo the remedy.
  if (!rule.may.includes(action)) return { ok: false, reason: `${rule.flag} is already ${state.enabled ? 'on' : 'off'}; the rule's actions (${rule.may.join(', ')}) have nothing to do` };
  const before: FlagValue = { kind: 'enabled', value: state.enabled };
  const after: FlagValue = { kind: 'enabled', value: !state.enabled };
  const trigger = triggerOf(input.context);
  return {
    ok: true,
    kind: 'toggle',
    proposal: proposal({
      action,
      summary: `${action} ${rule.flag} (now ${describeValue(before)}): ${because(trigger)}`,
      mode: input.mode,
      pendingReason: input.frozen ?? input.needsApproval ?? null,
      trigger,
      target: { flag: rule.flag, strategyTitle: null, variant: null, before, after, changes: [] },
      prediction: null,
    }),
  };
}

function planTune(input: PlanInput, rule: TuneRule): Plan {
  const before = currentValue(input.state, { kind: 'payload', value: null }, rule.variant);
  if (before === null || before.kind !== 'payload') return { ok: false, reason: `${rule.flag}: no JSON payload on ${rule.variant === null ? "the strategy's only variant" : `variant ${rule.variant}`}` };
  const payload = before.value;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { ok: false, reason: `${rule.flag}: the variant payload is not a JSON object` };
  const record = payload as Readonly<Record<string, JsonValue>>;
  const constants = constantsOf(record);
  if (constants === null) return { ok: false, reason: `${rule.flag}: the payload lacks numeric baseDelayMs, multiplier, maxDelayMs and maxRetries` };
  const observed = observations(input.context, input.config);
  if (observed === null) return { ok: false, reason: `no retries ratio of ${input.config.labels.service} ${input.context.finding.labels[input.config.labels.service] ?? '(any)'} in the upgrade's report: the retry model has nothing to fit` };
  const seed = input.seed ?? input.config.detection.seed;
  const fitted = fitAttemptModel(observed, constants, rule.transientFaultMs, seed);
  if (fitted === null) return { ok: false, reason: `${rule.flag}: ${fmt(observed.retries.after)} retries per request under maxRetries ${constants.maxRetries} means every attempt fails; no backoff constant can fix that` };
  const objective = objectiveOf(rule, observed, input.context, input.config);
  const plan = planBackoff(record, rule, fitted.attempt, { retriesPerRequest: objective.retriesPerRequest, p99Ms: objective.p99Ms ?? Infinity }, { seed });
  if (plan === null) return { ok: false, reason: `${rule.flag}: no constants one bounded step from the current ones are predicted to do better` };
  const prediction: DecisionPrediction = {
    model: {
      firstAttemptFailure: fitted.firstAttemptFailure,
      retryFailureSoon: fitted.retryFailureSoon,
      transientFaultMs: fitted.transientFaultMs,
      attemptLatencyMedianMs: fitted.latencyMedianMs,
      attemptLatencySigma: fitted.latencySigma,
      notes: fitted.notes,
    },
    objective,
    current: plan.current,
    predicted: plan.predicted,
    candidatesTried: plan.candidatesTried,
  };
  const trigger = triggerOf(input.context);
  const changes = plan.changes.map((c) => `${c.key} ${fmt(c.from)} → ${fmt(c.to)}`).join(', ');
  return {
    ok: true,
    kind: 'tune',
    proposal: proposal({
      action: 'tune',
      summary:
        `tune ${rule.flag}: ${changes}; predicted retries/request ${fmt(plan.current.retriesPerRequest)} → ${fmt(plan.predicted.retriesPerRequest)}, ` +
        `p99 ${fmt(plan.current.p99Ms)} → ${fmt(plan.predicted.p99Ms)} ms: ${because(trigger)}`,
      mode: input.mode,
      pendingReason: input.frozen ?? input.needsApproval ?? null,
      trigger,
      target: { flag: rule.flag, strategyTitle: rule.strategyTitle, variant: rule.variant, before, after: { kind: 'payload', value: plan.payload as JsonValue }, changes: plan.changes },
      prediction,
    }),
  };
}

function proposal(fields: Omit<DecisionProposal, 'automatic' | 'rollbackOf' | 'applied' | 'verification' | 'reverted' | 'failure'>): DecisionProposal {
  return { ...fields, automatic: fields.pendingReason === null, rollbackOf: null, ...NOT_CARRIED_OUT };
}

/** The finding as the decision records it: its most regressed statistic. */
export function triggerOf(context: FindingContext): DecisionTrigger {
  const statistics = Array.isArray(context.finding.statistics) ? (context.finding.statistics as ReportStatistic[]) : [];
  const regressed = statistics.filter((s) => s.verdict === 'regression' && Number.isFinite(s.relativeChange));
  const top = (regressed.length > 0 ? regressed : statistics).reduce<ReportStatistic | null>((best, s) => (best === null || s.relativeChange > best.relativeChange ? s : best), null);
  return {
    findingId: context.finding.id,
    signal: context.finding.signal,
    labels: context.finding.labels,
    binary: context.binary,
    statistic: top === null ? null : { name: top.name, baseline: top.baseline, after: top.after, relativeChange: top.relativeChange },
  };
}

function because(trigger: DecisionTrigger): string {
  const where = Object.entries(trigger.labels).map(([k, v]) => `${k}=${v}`).join(', ');
  const s = trigger.statistic;
  const shift = s === null ? 'regressed' : `${s.name} ${fmt(s.baseline)} → ${fmt(s.after)} (${s.relativeChange >= 0 ? '+' : ''}${fmt(s.relativeChange * 100)}%)`;
  return `${trigger.signal} {${where}} ${shift}, attributed to ${trigger.binary} (finding ${trigger.findingId})`;
}

/** Groups of the report for the finding's service (every group when the finding has no service label). */
function serviceGroups(context: FindingContext, config: ShiftguardConfig, type: SignalConfig['type']): ReportGroup[] {
  const service = context.finding.labels[config.labels.service];
  const signals = new Set(config.signals.filter((s) => s.type === type).map((s) => s.name));
  return (context.report?.groups ?? []).filter((g) => signals.has(g.signal) && (service === undefined || g.labels[config.labels.service] === service));
}

function statistic(group: ReportGroup | { readonly statistics: unknown }, name: string): ReportStatistic | undefined {
  return Array.isArray(group.statistics) ? (group.statistics as ReportStatistic[]).find((s) => s.name === name && Number.isFinite(s.baseline) && Number.isFinite(s.after)) : undefined;
}

/** Retries before/now and baseline latency of the finding's service, from the finding and its report. */
export function observations(context: FindingContext, config: ShiftguardConfig): ServiceObservations | null {
  const service = context.finding.labels[config.labels.service];
  const ratioSignals = new Set(config.signals.filter((s) => s.type === 'ratio').map((s) => s.name));
  const own = ratioSignals.has(context.finding.signal) ? statistic(context.finding, 'ratio') : undefined;
  const others = serviceGroups(context, config, 'ratio')
    .map((g) => ({ g, s: statistic(g, 'ratio') }))
    .filter((x): x is { g: ReportGroup; s: ReportStatistic } => x.s !== undefined)
    .sort((a, b) => Number(b.g.verdict === 'regression') - Number(a.g.verdict === 'regression') || b.s.after - a.s.after);
  const ratio = own ?? others[0]?.s;
  if (ratio === undefined) return null;
  const verifiedRatio = context.verified?.groups
    .filter((g) => ratioSignals.has(g.signal) && (service === undefined || g.labels[config.labels.service] === service))
    .map((g) => g.statistics.find((s) => s.name === 'ratio')?.after)
    .find((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const latencyGroups = serviceGroups(context, config, 'latency');
  const ownLatency = latencyGroups.find((g) => g.signal === context.finding.signal && labelsKey(g.labels) === labelsKey(context.finding.labels)) ?? latencyGroups[0];
  const p50 = ownLatency === undefined ? undefined : statistic(ownLatency, 'p50');
  const p99 = ownLatency === undefined ? undefined : statistic(ownLatency, 'p99');
  return {
    retries: { baseline: ratio.baseline, after: verifiedRatio ?? ratio.after },
    latency: p50 !== undefined && p99 !== undefined ? { p50Ms: p50.baseline * 1000, p99Ms: p99.baseline * 1000 } : null,
  };
}

/** The rule's objective, or "back to the baseline" (within the signal's minRelativeChange). */
function objectiveOf(rule: TuneRule, observed: ServiceObservations, context: FindingContext, config: ShiftguardConfig): DecisionPrediction['objective'] {
  const ratioSignal = config.signals.find((s) => s.type === 'ratio' && (s.name === context.finding.signal || serviceGroups(context, config, 'ratio').some((g) => g.signal === s.name)));
  const latencySignal = config.signals.find((s) => s.type === 'latency');
  const retries = rule.objective.retriesPerRequest ?? observed.retries.baseline * (1 + (ratioSignal?.minRelativeChange ?? 0));
  const p99 = rule.objective.p99Ms ?? (observed.latency === null ? null : observed.latency.p99Ms * (1 + (latencySignal?.minRelativeChange ?? 0)));
  // A zero budget cannot be scored relatively; a thousandth of a retry per request is as good as none.
  return { retriesPerRequest: Math.max(retries, 1e-3), p99Ms: p99 };
}


function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x);
}
