/**
 * The guardrails as pure functions: how far one change of a numeric constant may go (inside
 * [min, max], at most `maxStep` of the current value, integers by at least 1), and whether a flag
 * may change now (cooldown since its last change, at most `maxChangesPerDay` over any 24 h).
 * The tuner asks these before it proposes anything it would apply on its own; what they refuse
 * waits for an operator.
 */
import type { GuardrailLimits, TuneBound, TuneRule } from './guardrails-config.js';

const DAY_MS = 24 * 3600_000;

/** Whether a flag may change at `nowMs`, given the times of its earlier changes by the tuner. */
export type Pacing = { readonly allowed: true } | { readonly allowed: false; readonly reason: string; readonly notBeforeMs: number };

/**
 * Cooldown and daily cap for one flag. `changesMs` are the times of the tuner's earlier changes of
 * the flag (reverts included: a revert is a change of the flag like any other).
 */
export function pacing(changesMs: readonly number[], nowMs: number, limits: GuardrailLimits): Pacing {
  const sorted = [...changesMs].sort((a, b) => a - b);
  const last = sorted.at(-1);
  if (last !== undefined && nowMs < last + limits.cooldownMs) {
    return { allowed: false, reason: `cooldown: the flag last changed at ${iso(last)}; next change not before ${iso(last + limits.cooldownMs)}`, notBeforeMs: last + limits.cooldownMs };
  }
  const recent = sorted.filter((t) => t > nowMs - DAY_MS);
  if (recent.length >= limits.maxChangesPerDay) {
    const oldest = recent[recent.length - limits.maxChangesPerDay] ?? nowMs;
    return {
      allowed: false,
      reason: `daily cap: ${recent.length} changes in the last 24 h (at most ${limits.maxChangesPerDay}); next change not before ${iso(oldest + DAY_MS)}`,
      notBeforeMs: oldest + DAY_MS,
    };
  }
  return { allowed: true };
}

/** One constant after a bounded step, or why no step is allowed. */
export type Step =
  | { readonly ok: true; readonly value: number; readonly limitedBy: 'none' | 'maxStep' | 'bounds' }
  | { readonly ok: false; readonly reason: string };

/** Whether a constant moves in whole steps: its bounds and its current value are integers. */
export function isIntegerConstant(current: number, bound: TuneBound): boolean {
  return Number.isInteger(bound.min) && Number.isInteger(bound.max) && Number.isInteger(current);
}

/** The largest move of one change from `current`. */
export function maxMove(current: number, bound: TuneBound): number {
  const fraction = Math.abs(current) * bound.maxStep;
  return isIntegerConstant(current, bound) ? Math.max(1, Math.floor(fraction)) : fraction;
}

/** The value nearest to `target` that one change from `current` may write. */
export function boundedStep(current: number, target: number, bound: TuneBound): Step {
  if (!Number.isFinite(current)) return { ok: false, reason: `the current value ${current} is not a finite number` };
  if (!Number.isFinite(target)) return { ok: false, reason: `the target ${target} is not a finite number` };
  const integer = isIntegerConstant(current, bound);
  const move = maxMove(current, bound);
  let lo = Math.max(bound.min, current - move);
  let hi = Math.min(bound.max, current + move);
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  if (lo > hi) {
    return { ok: false, reason: `the current value ${current} is further than one step (${fmt(move)}) from [${bound.min}, ${bound.max}]: an operator must set it` };
  }
  const wanted = integer ? Math.round(target) : target;
  const value = Math.min(hi, Math.max(lo, wanted));
  if (value === wanted) return { ok: true, value, limitedBy: 'none' };
  const boundsBind = (wanted > value && hi === bound.max) || (wanted < value && lo === bound.min);
  return { ok: true, value, limitedBy: boundsBind ? 'bounds' : 'maxStep' };
}

/** One constant's change in a payload. */
export interface ConstantChange {
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly limitedBy: 'none' | 'maxStep' | 'bounds';
}

/** A variant payload after bounded steps toward `targets`, or why it cannot be written. */
export type PayloadStep =
  | { readonly ok: true; readonly payload: Record<string, unknown>; readonly changes: readonly ConstantChange[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Moves each targeted constant of `current` one bounded step toward its target. Only keys the rule
 * bounds may be targeted; every other key of the payload is kept as it is.
 */
export function boundedPayload(current: Readonly<Record<string, unknown>>, targets: Readonly<Record<string, number>>, rule: TuneRule): PayloadStep {
  const payload: Record<string, unknown> = { ...current };
  const changes: ConstantChange[] = [];
  for (const [key, target] of Object.entries(targets)) {
    const bound = rule.tune[key];
    if (bound === undefined) return { ok: false, reason: `${rule.flag}: ${key} has no bounds in the guardrails` };
    const from = current[key];
    if (typeof from !== 'number') return { ok: false, reason: `${rule.flag}: the payload has no numeric ${key} (found ${JSON.stringify(from)})` };
    const step = boundedStep(from, target, bound);
    if (!step.ok) return { ok: false, reason: `${rule.flag}: ${key}: ${step.reason}` };
    if (step.value === from) continue;
    payload[key] = step.value;
    changes.push({ key, from, to: step.value, limitedBy: step.limitedBy });
  }
  return { ok: true, payload, changes };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}
