/**
 * An operator's request for a flag change (`POST /api/v1/decisions`): it becomes a `proposed`
 * decision with the requester recorded, which another operator must approve (two-person rule, see
 * decide-proposal.ts); once approved, the tuner applies, verifies and (when things got worse) reverts
 * it like any approved decision of its own. The request is held to the guardrails: only flags a rule
 * governs or the upgrade names; a gate may be disabled or enabled; constants may be tuned only on a
 * flag with a `tune` rule, each inside its [min, max] and at most `maxStep` from the current value.
 * Refusals are 422 and name the field. The flag is read from the flag service to record the value
 * the change was planned against (a later edit by someone else is then drift, never overwritten).
 */
import type { FlagState, FlagStore, JsonValue } from '../flags/flag-store.js';
import { FlagNotFoundError, FlagStoreError } from '../flags/flag-store-error.js';
import type { DecisionKind, DecisionRecord, DecisionStore } from '../store/state-store.js';
import { StoreFencedError } from '../store/store-error.js';
import type { DecisionProposal, FlagTarget, FlagValue } from '../tune/decision-proposal.js';
import { currentValue, describeValue } from '../tune/decision-proposal.js';
import { isIntegerConstant, maxMove } from '../tune/guardrail-policy.js';
import type { ConstantChange } from '../tune/guardrail-policy.js';
import type { Guardrails, GuardrailRule, TuneRule } from '../tune/guardrails-config.js';
import { OPEN_STATUSES, holdsFlag } from '../tune/tuner-context.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import { ApiError } from './api-error.js';
import type { Actor } from './decide-proposal.js';
import { NOT_CARRIED_OUT } from '../tune/decision-proposal.js';

/** What an operator asks for. */
export interface DecisionRequest {
  readonly upgrade: string;
  readonly flag: string;
  readonly action: 'disable' | 'enable' | 'tune';
  /** `tune`: the constants' target values, by payload key. */
  readonly values?: Readonly<Record<string, number>> | undefined;
  readonly reason: string;
}

/** What a request reads and writes. */
export interface DecisionRequestDeps {
  readonly guardrails: Guardrails;
  readonly flags: FlagStore;
  readonly decisions: DecisionStore;
  readonly upgradeOf: (id: string) => Promise<Upgrade | null>;
  /** Epoch of the newest leadership term (0 when none): the decision is written under it. */
  readonly leaderEpoch: () => Promise<number>;
  readonly now: () => number;
}

/** One refused field. */
interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A 422 naming every refused field. */
function refused(issues: readonly FieldIssue[]): ApiError {
  return new ApiError(422, 'guardrails_refused', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
}

/**
 * Validates `request` against the guardrails and the flag as it is now, and writes it as a
 * `proposed` decision requested by `requester`.
 * @throws ApiError 403 (a shared environment token: the two-person rule needs a person), 404 (no such upgrade), 409 (another decision on the flag is open), 422 (refused by
 * the guardrails, naming the field), 502 (the flag service failed).
 */
export async function requestDecision(deps: DecisionRequestDeps, request: DecisionRequest, by: Actor): Promise<DecisionRecord> {
  if (by.shared) {
    throw new ApiError(403, 'named_token_required', `requesting a flag change needs a named token (tokens file): the shared ${by.name} token from the environment does not say who holds it, so the two-person rule could not tell the requester from the approver`);
  }
  const requester = by.name;
  const upgrade = await deps.upgradeOf(request.upgrade);
  if (upgrade === null) throw new ApiError(404, 'not_found', `no upgrade ${request.upgrade}`);
  const rule = deps.guardrails.rules.find((r) => r.flag === request.flag);
  if (rule === undefined && !upgrade.flags.some((f) => f.name === request.flag)) {
    throw refused([{ path: 'flag', message: `${request.flag} has no guardrails rule and upgrade ${upgrade.id} does not name it: shiftguard changes only flags it governs or the upgrade names` }]);
  }
  const open = (await deps.decisions.listDecisions({ status: OPEN_STATUSES })).find((d) => d.flag === request.flag && holdsFlag(d));
  if (open !== undefined) throw new ApiError(409, 'conflict', `decision ${open.id} on ${request.flag} is ${open.status}: approve or reject it, or wait for it to finish, first`);
  const tuneRule = rule?.kind === 'tune' ? rule : null;
  const state = await readFlag(deps.flags, request.flag, tuneRule);
  const planned = request.action === 'tune' ? tuneTarget(request, rule, state) : gateTarget(request, state);
  const proposal = proposalOf(request, planned.target, deps.guardrails.mode, requester);
  return create(deps, { upgradeId: upgrade.id, flag: request.flag, kind: planned.kind, proposal, requester });
}

async function readFlag(flags: FlagStore, flag: string, rule: TuneRule | null): Promise<FlagState> {
  try {
    return await flags.readFlag(flag, rule === null || rule.strategyTitle === null ? undefined : { title: rule.strategyTitle });
  } catch (error) {
    if (error instanceof FlagNotFoundError) throw refused([{ path: 'flag', message: `not found in the flag service: ${error.message}` }]);
    if (error instanceof FlagStoreError) throw new ApiError(502, 'flag_service_error', error.message);
    throw error;
  }
}

type Planned = { readonly kind: DecisionKind; readonly target: FlagTarget };

function gateTarget(request: DecisionRequest, state: FlagState): Planned {
  const wanted = request.action === 'enable';
  if (state.enabled === wanted) throw refused([{ path: 'action', message: `${request.flag} is already ${wanted ? 'on' : 'off'}` }]);
  const before: FlagValue = { kind: 'enabled', value: state.enabled };
  const after: FlagValue = { kind: 'enabled', value: wanted };
  return { kind: 'toggle', target: { flag: request.flag, strategyTitle: null, variant: null, before, after, changes: [] } };
}

function tuneTarget(request: DecisionRequest, rule: GuardrailRule | undefined, state: FlagState): Planned {
  if (rule?.kind !== 'tune') {
    throw refused([{ path: 'action', message: `${request.flag} has no \`tune\` rule in the guardrails: only disable or enable may be requested for it` }]);
  }
  const before = currentValue(state, { kind: 'payload', value: null }, rule.variant);
  const payload = before?.kind === 'payload' ? before.value : null;
  if (before === null || payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw refused([{ path: 'flag', message: `${request.flag}: no JSON object payload on ${rule.variant === null ? "the strategy's only variant" : `variant ${rule.variant}`}` }]);
  }
  const current = payload as Readonly<Record<string, JsonValue>>;
  const { changes, issues } = boundedChanges(current, request.values ?? {}, rule);
  if (issues.length > 0) throw refused(issues);
  if (changes.length === 0) throw refused([{ path: 'values', message: 'every value equals the current one: nothing to change' }]);
  const after: FlagValue = { kind: 'payload', value: { ...current, ...Object.fromEntries(changes.map((c) => [c.key, c.to])) } };
  return { kind: 'tune', target: { flag: request.flag, strategyTitle: rule.strategyTitle, variant: rule.variant, before, after, changes } };
}

/** Each requested value checked against its bounds and `maxStep` from the current value. */
export function boundedChanges(current: Readonly<Record<string, JsonValue>>, values: Readonly<Record<string, number>>, rule: TuneRule): { changes: ConstantChange[]; issues: FieldIssue[] } {
  const changes: ConstantChange[] = [];
  const issues: FieldIssue[] = [];
  for (const [key, to] of Object.entries(values)) {
    const path = `values.${key}`;
    const bound = rule.tune[key];
    const from = current[key];
    if (bound === undefined) issues.push({ path, message: `the guardrails bound no constant ${key} of ${rule.flag} (bounded: ${Object.keys(rule.tune).join(', ')})` });
    else if (typeof from !== 'number') issues.push({ path, message: `the payload of ${rule.flag} has no numeric ${key} (found ${JSON.stringify(from ?? null)})` });
    else if (to < bound.min || to > bound.max) issues.push({ path, message: `${to} is outside the guardrails' bounds [${bound.min}, ${bound.max}]` });
    else if (isIntegerConstant(from, bound) && !Number.isInteger(to)) issues.push({ path, message: `${key} is a whole number (now ${from}); got ${to}` });
    else if (Math.abs(to - from) > maxMove(from, bound) + 1e-9) {
      issues.push({ path, message: `${from} → ${to} is a larger move than maxStep ${bound.maxStep} allows in one change (at most ${round(maxMove(from, bound))} from ${from})` });
    } else if (to !== from) changes.push({ key, from, to, limitedBy: 'none' });
  }
  return { changes, issues };
}

function proposalOf(request: DecisionRequest, target: FlagTarget, mode: 'enforce' | 'dry-run', requester: string): DecisionProposal {
  const change =
    request.action === 'tune'
      ? `tune ${request.flag}: ${target.changes.map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ')}`
      : `${request.action} ${request.flag} (now ${describeValue(target.before)})`;
  return {
    action: request.action,
    summary: `${change}: requested by ${requester}: ${request.reason}`,
    mode,
    automatic: false,
    pendingReason: `requested by ${requester}; another operator must approve it (two-person rule)`,
    trigger: null,
    target,
    prediction: null,
    rollbackOf: null,
    ...NOT_CARRIED_OUT,
  };
}

async function create(deps: DecisionRequestDeps, d: { upgradeId: string; flag: string; kind: DecisionKind; proposal: DecisionProposal; requester: string }): Promise<DecisionRecord> {
  // A term claimed between reading the epoch and writing fences the write: read it again once.
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.decisions.createDecision({
        upgradeId: d.upgradeId,
        flag: d.flag,
        kind: d.kind,
        proposal: d.proposal,
        status: 'proposed',
        requestedBy: d.requester,
        approvedBy: null,
        leaderEpoch: await deps.leaderEpoch(),
        atMs: deps.now(),
      });
    } catch (error) {
      if (!(error instanceof StoreFencedError) || attempt >= 1) throw error;
    }
  }
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
