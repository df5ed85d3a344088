/**
 * The anti-flapping properties of one flag's history, checked from three records that must agree:
 * the writes as the flag service answered them, the flag service's own change log, and the
 * decision log. A write is an `apply` (a decision's change) or a `revert` (the same decision writing
 * the value back). What the guardrails promise (CONTRACT §7, config/guardrails.yaml):
 * - an apply waits `cooldown` after the flag's previous write of any kind (a revert included) and is
 *   not made once `maxChangesPerDay` writes happened in the last 24 h;
 * - a revert undoes its own decision's change, exactly, after verification judged it `worse`; it is
 *   exempt from both limits (so it is the only write allowed to follow another inside the cooldown);
 * - a tuned constant stays inside its bounds and moves by at most `maxStep`; a gate moves only as
 *   the rule's `may` allows.
 * {@link checkFlagHistory} returns every violation as a sentence (empty: the history keeps them all).
 */
import type { JsonValue } from '../../src/flags/flag-store.js';
import { sameJson } from '../../src/flags/json-payload.js';
import type { MemoryFlagEvent } from '../../src/flags/memory-flag-store.js';
import type { DecisionRecord } from '../../src/store/state-store.js';
import { parseProposal } from '../../src/tune/decision-proposal.js';
import type { DecisionProposal } from '../../src/tune/decision-proposal.js';
import { maxMove } from '../../src/tune/guardrail-policy.js';
import type { GuardrailLimits, GuardrailRule } from '../../src/tune/guardrails-config.js';

const DAY_MS = 24 * 3600_000;

/** One changing write of a flag (gates as `on`/`off`, payloads as their JSON). */
export interface FlagWriteRecord {
  readonly atMs: number;
  readonly flag: string;
  readonly decisionId: string;
  readonly from: JsonValue;
  readonly to: JsonValue;
}

/** A write with what it was. */
export interface ClassifiedWrite extends FlagWriteRecord {
  readonly kind: 'apply' | 'revert';
}

/** Everything known about one flag. */
export interface FlagHistory {
  readonly flag: string;
  readonly rule: GuardrailRule;
  readonly limits: GuardrailLimits;
  /** Changing writes in the order the flag service answered them. */
  readonly writes: readonly FlagWriteRecord[];
  /** The flag service's change log of this flag. */
  readonly events: readonly MemoryFlagEvent[];
  /** The whole decision log. */
  readonly decisions: readonly DecisionRecord[];
  /** Who the tuner writes as in the flag service's log. */
  readonly actor: string;
}

/**
 * The most writes a flag can see in `spanMs` (< 24 h) under `limits`: applies are at least a cooldown
 * apart and stop at the daily cap, so at most min(cap, ⌊span / cooldown⌋ + 1) of them; each may be
 * followed by its revert, which no limit holds back but which counts, so at most twice the applies
 * and at most one more than the cap (only a revert may be written once the cap is reached).
 */
export function maxWrites(limits: GuardrailLimits, spanMs: number): number {
  const applies = Math.min(limits.maxChangesPerDay, Math.floor(spanMs / limits.cooldownMs) + 1);
  return Math.min(2 * applies, limits.maxChangesPerDay + 1);
}

/** The writes of one flag, each marked apply or revert (the second write of a decision is its revert). */
export function classifyWrites(writes: readonly FlagWriteRecord[]): ClassifiedWrite[] {
  const seen = new Set<string>();
  return writes.map((w) => {
    const kind = seen.has(w.decisionId) ? 'revert' : 'apply';
    seen.add(w.decisionId);
    return { ...w, kind };
  });
}

/** The time a history covers, epoch ms (shorter than a day). */
export interface Span {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Every violation of the anti-flapping properties in `history` over `span` (see the module comment). */
export function checkFlagHistory(history: FlagHistory, span: Span): string[] {
  const spanMs = span.toMs - span.fromMs;
  const { flag, limits } = history;
  const writes = classifyWrites(history.writes);
  const proposals = new Map(history.decisions.map((d) => [d.id, { d, p: parseProposal(d.proposal, d.id) }]));
  const problems = [...ledgerProblems(history, writes, proposals)];
  const bound = maxWrites(limits, spanMs);
  if (writes.length > bound) problems.push(`${flag}: ${writes.length} writes in ${minutes(spanMs)}, more than the ${bound} the limits allow`);
  writes.forEach((w, i) => {
    const at = `${flag} ${w.kind} by decision ${w.decisionId} at +${minutes(w.atMs - span.fromMs)}`;
    const previous = writes[i - 1];
    if (w.kind === 'revert') {
      problems.push(...revertProblems(at, w, writes.slice(0, i), proposals.get(w.decisionId)));
      return;
    }
    if (previous !== undefined && w.atMs - previous.atMs < limits.cooldownMs) {
      const what = previous.kind === 'revert' && sameJson(w.to, previous.from) ? 're-applies what was reverted' : 'changes the flag again';
      problems.push(`${at}: ${what} ${minutes(w.atMs - previous.atMs)} after the previous write (cooldown ${minutes(limits.cooldownMs)})`);
    }
    const recent = writes.slice(0, i).filter((e) => e.atMs > w.atMs - DAY_MS).length;
    if (recent >= limits.maxChangesPerDay) problems.push(`${at}: ${recent} writes in the 24 h before it (daily cap ${limits.maxChangesPerDay})`);
    problems.push(...stepProblems(at, w, history.rule));
  });
  for (let i = 2; i < writes.length; i++) {
    const [a, c] = [writes[i - 2] as ClassifiedWrite, writes[i] as ClassifiedWrite];
    if (c.atMs - a.atMs < limits.cooldownMs) problems.push(`${flag}: three writes within ${minutes(c.atMs - a.atMs)} (decisions ${a.decisionId}…${c.decisionId}): the flag oscillates faster than the cooldown`);
  }
  return problems;
}

/** The three records agree: every write is in the flag service's log and the decision log, in order. */
function ledgerProblems(history: FlagHistory, writes: readonly ClassifiedWrite[], proposals: ReadonlyMap<string, { d: DecisionRecord; p: DecisionProposal }>): string[] {
  const problems: string[] = [];
  const events = history.events.filter((e) => e.actor === history.actor);
  if (events.length !== history.events.length) problems.push(`${history.flag}: changed by someone other than the tuner`);
  const eventIds = events.map((e) => e.decisionId);
  const writeIds = writes.map((w) => w.decisionId);
  if (JSON.stringify(eventIds) !== JSON.stringify(writeIds)) problems.push(`${history.flag}: the flag service logged writes of decisions ${JSON.stringify(eventIds)}, the tuner made ${JSON.stringify(writeIds)}`);
  const logged = history.decisions
    .filter((d) => d.flag === history.flag)
    .flatMap((d) => {
      const p = proposals.get(d.id)?.p;
      return [p?.applied, p?.reverted].filter((w) => w?.changed === true).map((w) => ({ atMs: w?.atMs ?? NaN, id: d.id }));
    })
    .sort((a, b) => a.atMs - b.atMs);
  const written = writes.map((w) => ({ atMs: w.atMs, id: w.decisionId }));
  if (JSON.stringify(logged) !== JSON.stringify(written)) problems.push(`${history.flag}: the decision log records writes ${JSON.stringify(logged)}, the flag service answered ${JSON.stringify(written)}`);
  return problems;
}

/** A revert undoes exactly its own decision's change, after a `worse` verification, and is the tuner's. */
function revertProblems(at: string, w: ClassifiedWrite, earlier: readonly ClassifiedWrite[], decision: { d: DecisionRecord; p: DecisionProposal } | undefined): string[] {
  const problems: string[] = [];
  const apply = earlier.find((e) => e.decisionId === w.decisionId);
  if (earlier.at(-1) !== apply) problems.push(`${at}: another write came between the change and its revert`);
  if (apply === undefined || !sameJson(w.to, apply.from) || !sameJson(w.from, apply.to)) problems.push(`${at}: does not restore exactly what its change replaced`);
  if (decision === undefined) return [...problems, `${at}: no such decision in the log`];
  const { d, p } = decision;
  if (d.status !== 'reverted' || p.reverted?.by !== 'tuner') problems.push(`${at}: decision is ${d.status}, reverted by ${p.reverted?.by ?? 'nobody'} (expected the tuner's revert)`);
  if (p.verification?.outcome !== 'worse') problems.push(`${at}: reverted although verification said ${p.verification?.outcome ?? 'nothing'}`);
  return problems;
}

/** A gate moves only as `may` allows; a tuned constant stays in bounds and within one step. */
function stepProblems(at: string, w: ClassifiedWrite, rule: GuardrailRule): string[] {
  if (rule.kind === 'gate') {
    const action = w.to === 'off' ? 'disable' : 'enable';
    return rule.may.includes(action) ? [] : [`${at}: ${action} is not among the rule's actions (${rule.may.join(', ')})`];
  }
  const from = w.from as Record<string, JsonValue>;
  const to = w.to as Record<string, JsonValue>;
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const bound = rule.tune[key];
    const [a, b] = [from[key], to[key]];
    if (bound === undefined) {
      if (!sameJson(a ?? null, b ?? null)) problems.push(`${at}: changed ${key}, which the rule does not bound`);
      continue;
    }
    if (typeof a !== 'number' || typeof b !== 'number') {
      problems.push(`${at}: ${key} is not a number (${JSON.stringify(a)} → ${JSON.stringify(b)})`);
      continue;
    }
    if (b < bound.min || b > bound.max) problems.push(`${at}: ${key} = ${b} outside [${bound.min}, ${bound.max}]`);
    if (Math.abs(b - a) > maxMove(a, bound) + 1e-9) problems.push(`${at}: ${key} moved ${a} → ${b}, more than one step (${maxMove(a, bound)})`);
  }
  return problems;
}

/** `12m05s`. */
export function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * One line per write, oldest first, times relative to `originMs`: when, which flag, what changed,
 * apply or revert, the decision and how its verification came out.
 */
export function formatTimeline(writes: readonly FlagWriteRecord[], decisions: readonly DecisionRecord[], originMs: number): string[] {
  const outcome = new Map(decisions.map((d) => [d.id, `${d.status}${describeOutcome(parseProposal(d.proposal, d.id))}`]));
  const byFlag = new Map<string, FlagWriteRecord[]>();
  for (const w of writes) byFlag.set(w.flag, [...(byFlag.get(w.flag) ?? []), w]);
  const classified = [...byFlag.values()].flatMap(classifyWrites).sort((a, b) => a.atMs - b.atMs);
  return classified.map((w) => `+${minutes(w.atMs - originMs).padStart(7)}  ${w.flag.padEnd(22)} ${w.kind.padEnd(6)} #${w.decisionId.padEnd(3)} ${describeChange(w).padEnd(34)} ${outcome.get(w.decisionId) ?? '?'}`);
}

function describeOutcome(p: DecisionProposal): string {
  return p.verification?.outcome === null || p.verification === null ? '' : ` (${p.verification.outcome})`;
}

function describeChange(w: FlagWriteRecord): string {
  if (typeof w.from !== 'object' || typeof w.to !== 'object' || w.from === null || w.to === null) return `${JSON.stringify(w.from)} → ${JSON.stringify(w.to)}`;
  const from = w.from as Record<string, JsonValue>;
  const to = w.to as Record<string, JsonValue>;
  return Object.keys(to)
    .filter((k) => !sameJson(from[k] ?? null, to[k] ?? null))
    .map((k) => `${k} ${JSON.stringify(from[k])}→${JSON.stringify(to[k])}`)
    .join(', ');
}
