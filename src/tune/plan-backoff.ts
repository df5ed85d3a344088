/**
 * Chooses new backoff constants for a retry regression: every candidate lies one bounded step from
 * the current payload (built through `boundedPayload`, so the guardrails hold by construction), each
 * is simulated through the retry-loop model with the same random numbers, and the one that best meets
 * the objective wins: first the smallest breach of the retry budget and the latency SLO (relative),
 * then the lowest predicted p99, then the fewest constants changed. The current payload is a
 * candidate too: when nothing beats it, there is no change to propose.
 */
import { boundedPayload, boundedStep } from './guardrail-policy.js';
import type { ConstantChange } from './guardrail-policy.js';
import type { TuneRule } from './guardrails-config.js';
import { predictRetries } from './retry-model.js';
import type { AttemptModel, BackoffConstants, Jitter, RetryPrediction } from './retry-model.js';

/** What the tuned client should achieve. */
export interface BackoffObjective {
  /** Most retries per request wanted. */
  readonly retriesPerRequest: number;
  /** End-to-end p99 the requests should stay under, ms. */
  readonly p99Ms: number;
}

/** The chosen constants with the predictions that justify them (stored with the decision). */
export interface BackoffPlan {
  readonly payload: Record<string, unknown>;
  readonly changes: readonly ConstantChange[];
  readonly predicted: RetryPrediction;
  readonly current: RetryPrediction;
  readonly candidatesTried: number;
}

const CONSTANT_KEYS = ['baseDelayMs', 'multiplier', 'maxDelayMs', 'maxRetries'] as const;

/**
 * The best payload one bounded step from `payload` (null when the payload does not hold the four
 * constants as numbers, or no candidate beats the current one).
 */
export function planBackoff(
  payload: Readonly<Record<string, unknown>>,
  rule: TuneRule,
  attempt: AttemptModel,
  objective: BackoffObjective,
  options: { readonly requests?: number; readonly seed?: number } = {},
): BackoffPlan | null {
  const constants = constantsOf(payload);
  if (constants === null) return null;
  const simulate = (c: BackoffConstants): RetryPrediction => predictRetries(attempt, c, { requests: options.requests ?? 10_000, seed: options.seed ?? 1 });
  const current = simulate(constants);
  let best: { score: readonly number[]; payload: Record<string, unknown>; changes: readonly ConstantChange[]; predicted: RetryPrediction } = {
    score: score(current, objective, 0),
    payload: { ...payload },
    changes: [],
    predicted: current,
  };
  let tried = 0;
  for (const targets of candidateTargets(constants, rule)) {
    const step = boundedPayload(payload, targets, rule);
    if (!step.ok || step.changes.length === 0) continue;
    const candidate = constantsOf(step.payload);
    if (candidate === null) continue;
    tried++;
    const predicted = simulate(candidate);
    const s = score(predicted, objective, step.changes.length);
    if (lexLess(s, best.score)) best = { score: s, payload: step.payload, changes: step.changes, predicted };
  }
  if (best.changes.length === 0) return null;
  return { payload: best.payload, changes: best.changes, predicted: best.predicted, current, candidatesTried: tried };
}

/** The backoff constants of a payload, or null when one is missing or not a number. */
export function constantsOf(payload: Readonly<Record<string, unknown>>): BackoffConstants | null {
  const values = CONSTANT_KEYS.map((k) => payload[k]);
  if (!values.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) return null;
  const [baseDelayMs, multiplier, maxDelayMs, maxRetries] = values as [number, number, number, number];
  const jitter = payload['jitter'];
  const known: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];
  return { baseDelayMs, multiplier, maxDelayMs, maxRetries: Math.round(maxRetries), jitter: known.includes(jitter as Jitter) ? (jitter as Jitter) : 'full' };
}

/** Targets: for every bounded constant, down a full step, stay, or up a full step (all combinations). */
function* candidateTargets(constants: BackoffConstants, rule: TuneRule): Generator<Record<string, number>> {
  const options: [string, number[]][] = [];
  for (const key of CONSTANT_KEYS) {
    const bound = rule.tune[key];
    if (bound === undefined) continue;
    const value = constants[key];
    const down = boundedStep(value, value - 1e12, bound);
    const up = boundedStep(value, value + 1e12, bound);
    const choices = new Set<number>([value]);
    if (down.ok) choices.add(down.value);
    if (up.ok) choices.add(up.value);
    options.push([key, [...choices]]);
  }
  const combine = function* (i: number, acc: Record<string, number>): Generator<Record<string, number>> {
    if (i === options.length) {
      yield { ...acc };
      return;
    }
    const [key, values] = options[i] as [string, number[]];
    for (const v of values) yield* combine(i + 1, { ...acc, [key]: v });
  };
  yield* combine(0, {});
}

/** Lexicographic score: breach of the objective, then p99, then how many constants change. */
function score(p: RetryPrediction, objective: BackoffObjective, changed: number): readonly number[] {
  const breach = Math.max(0, p.retriesPerRequest - objective.retriesPerRequest) / objective.retriesPerRequest + Math.max(0, p.p99Ms - objective.p99Ms) / objective.p99Ms;
  // Breaches within 1% count as equal, so simulation noise does not decide between near-equals.
  return [Math.round(breach * 100) / 100, Math.round(p.p99Ms), changed];
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
