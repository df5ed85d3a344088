/**
 * What a decision carries (the store keeps it as opaque JSON in `proposal`): the change it makes to
 * one flag (the value before and after, compared as JSON), why (the finding and rule), what the retry
 * model predicted, and, as it moves through its lifecycle, when it was applied (with Unleash's event
 * id), how verification judged it and when it was reverted. Operators read it through
 * `GET /api/v1/decisions`; the tuner reads it back (validated here) to continue after a restart.
 */
import { z } from 'zod';
import type { FlagState, JsonValue } from '../flags/flag-store.js';
import { sameJson } from '../flags/json-payload.js';
import type { ConstantChange } from './guardrail-policy.js';
import type { RetryPrediction } from './retry-model.js';

/** `requestedBy` of the decisions the tuner plans itself (a reserved name: no token holder may take it). */
export const TUNER_ACTOR = 'tuner';

/** The value of a flag a decision reads or writes: on/off, or one variant's JSON payload. */
export type FlagValue = { readonly kind: 'enabled'; readonly value: boolean } | { readonly kind: 'payload'; readonly value: JsonValue };

/** The flag a decision changes, where, and from what to what. */
export interface FlagTarget {
  readonly flag: string;
  /** Payload changes: the strategy's title (null: the first flexibleRollout one) and the variant (null: the only one). */
  readonly strategyTitle: string | null;
  readonly variant: string | null;
  readonly before: FlagValue;
  readonly after: FlagValue;
  /** Tuned constants, one entry per changed key. */
  readonly changes: readonly ConstantChange[];
}

/** The finding a decision answers. */
export interface DecisionTrigger {
  readonly findingId: string;
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The binary the regression was attributed to (the finding's top suspect). */
  readonly binary: string;
  /** The statistic that regressed most, as the finding showed it when the decision was made. */
  readonly statistic: { readonly name: string; readonly baseline: number; readonly after: number; readonly relativeChange: number } | null;
}

/** What the retry-loop model predicted for the current and the chosen constants. */
export interface DecisionPrediction {
  readonly model: {
    readonly firstAttemptFailure: number;
    readonly retryFailureSoon: number;
    readonly transientFaultMs: number | null;
    readonly attemptLatencyMedianMs: number;
    readonly attemptLatencySigma: number;
    readonly notes: readonly string[];
  };
  readonly objective: { readonly retriesPerRequest: number; readonly p99Ms: number | null };
  readonly current: RetryPrediction;
  readonly predicted: RetryPrediction;
  readonly candidatesTried: number;
}

/** How a group of the verification came out. */
export interface VerifiedGroup {
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly verdict: string;
  readonly statistics: readonly { readonly name: string; readonly baseline: number | null; readonly after: number | null; readonly relativeChange: number | null; readonly pValue: number | null; readonly verdict: string }[];
}

/** Verification: after-change data against before-change data, with detection's statistics. */
export interface Verification {
  /** Start of the before-change window (ms). */
  readonly beforeFromMs: number;
  /** The change (= end of the before window). */
  readonly changeMs: number;
  /** End of the after-change window. */
  readonly untilMs: number;
  /** `worse`: some group of the service regressed; `better`: the answered group improved. Null until judged. */
  readonly outcome: 'better' | 'worse' | 'no_change' | 'inconclusive' | null;
  readonly judgedAtMs: number | null;
  readonly groups: readonly VerifiedGroup[];
  readonly summary: string | null;
}

/** One write to the flag service. */
export interface FlagWrite {
  readonly atMs: number;
  /** Unleash's event id, when it could be identified. */
  readonly eventId: number | null;
  /** False when the flag already held the value (nothing was sent). */
  readonly changed: boolean;
  /** True when the write was found done in Unleash after a restart, rather than seen answered. */
  readonly reconciled: boolean;
  readonly leaderEpoch: number;
}

/** What a proposal holds before it is carried out: nothing applied, verified, reverted or failed yet. */
export const NOT_CARRIED_OUT = { applied: null, verification: null, reverted: null, failure: null } as const;

/** Everything a decision carries. */
export interface DecisionProposal {
  /** `disable`/`enable` a gate, `tune` constants, `restore` an earlier value (rollback). */
  readonly action: 'disable' | 'enable' | 'tune' | 'restore';
  /** One line for humans. */
  readonly summary: string;
  /** `dry-run`: decided and logged, never written to the flag service. */
  readonly mode: 'enforce' | 'dry-run';
  /** Inside the guardrails: applied without an operator. */
  readonly automatic: boolean;
  /** Why an operator must approve it (null when automatic). */
  readonly pendingReason: string | null;
  readonly trigger: DecisionTrigger | null;
  readonly target: FlagTarget;
  readonly prediction: DecisionPrediction | null;
  /** Rollback: the decisions whose changes this one undoes. */
  readonly rollbackOf: readonly string[] | null;
  readonly applied: FlagWrite | null;
  readonly verification: Verification | null;
  /** The revert: who caused it (`tuner` after a worse verification, or a rollback decision's id). */
  readonly reverted: (FlagWrite & { readonly by: string }) | null;
  readonly failure: { readonly code: string; readonly message: string; readonly atMs: number } | null;
}

const jsonValue: z.ZodType<JsonValue> = z.json() as z.ZodType<JsonValue>;
const flagValue = z.union([z.object({ kind: z.literal('enabled'), value: z.boolean() }), z.object({ kind: z.literal('payload'), value: jsonValue })]);
const labels = z.record(z.string(), z.string());
const nullableNumber = z.number().nullable();
const prediction = z.object({
  retriesPerRequest: z.number(),
  failureRate: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  requests: z.number(),
});
const flagWrite = z.object({ atMs: z.number(), eventId: z.number().nullable(), changed: z.boolean(), reconciled: z.boolean(), leaderEpoch: z.number() });

const proposalSchema = z.object({
  action: z.enum(['disable', 'enable', 'tune', 'restore']),
  summary: z.string(),
  mode: z.enum(['enforce', 'dry-run']),
  automatic: z.boolean(),
  pendingReason: z.string().nullable(),
  trigger: z
    .object({
      findingId: z.string(),
      signal: z.string(),
      labels,
      binary: z.string(),
      statistic: z.object({ name: z.string(), baseline: z.number(), after: z.number(), relativeChange: z.number() }).nullable(),
    })
    .nullable(),
  target: z.object({
    flag: z.string(),
    strategyTitle: z.string().nullable(),
    variant: z.string().nullable(),
    before: flagValue,
    after: flagValue,
    changes: z.array(z.object({ key: z.string(), from: z.number(), to: z.number(), limitedBy: z.enum(['none', 'maxStep', 'bounds']) })),
  }),
  prediction: z
    .object({
      model: z.object({
        firstAttemptFailure: z.number(),
        retryFailureSoon: z.number(),
        transientFaultMs: nullableNumber,
        attemptLatencyMedianMs: z.number(),
        attemptLatencySigma: z.number(),
        notes: z.array(z.string()),
      }),
      objective: z.object({ retriesPerRequest: z.number(), p99Ms: nullableNumber }),
      current: prediction,
      predicted: prediction,
      candidatesTried: z.number(),
    })
    .nullable(),
  rollbackOf: z.array(z.string()).nullable(),
  applied: flagWrite.nullable(),
  verification: z
    .object({
      beforeFromMs: z.number(),
      changeMs: z.number(),
      untilMs: z.number(),
      outcome: z.enum(['better', 'worse', 'no_change', 'inconclusive']).nullable(),
      judgedAtMs: nullableNumber,
      groups: z.array(
        z.object({
          signal: z.string(),
          labels,
          verdict: z.string(),
          statistics: z.array(
            z.object({ name: z.string(), baseline: nullableNumber, after: nullableNumber, relativeChange: nullableNumber, pValue: nullableNumber, verdict: z.string() }),
          ),
        }),
      ),
      summary: z.string().nullable(),
    })
    .nullable(),
  reverted: flagWrite.extend({ by: z.string() }).nullable(),
  failure: z.object({ code: z.string(), message: z.string(), atMs: z.number() }).nullable(),
});

/** Reads a stored proposal. @throws Error naming the decision and the bad field. */
export function parseProposal(value: unknown, decisionId: string): DecisionProposal {
  const result = proposalSchema.safeParse(value);
  if (result.success) return result.data as DecisionProposal;
  const issue = result.error.issues[0];
  throw new Error(`decision ${decisionId}: stored proposal is not one the tuner wrote (at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'})`);
}

/** The flag's current value of the same kind as `value` (null when the state lacks it). */
export function currentValue(state: FlagState, like: FlagValue, variant: string | null): FlagValue | null {
  if (like.kind === 'enabled') return { kind: 'enabled', value: state.enabled };
  const variants = state.strategy?.variants ?? [];
  const picked = variant === null ? (variants.length === 1 ? variants[0] : undefined) : variants.find((v) => v.name === variant);
  return picked?.json === undefined || picked.json === null ? null : { kind: 'payload', value: picked.json };
}

/** Whether two flag values are the same (payloads compared as JSON). */
export function sameValue(a: FlagValue | null, b: FlagValue | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'enabled' && b.kind === 'enabled') return a.value === b.value;
  if (a.kind === 'payload' && b.kind === 'payload') return sameJson(a.value, b.value);
  return false;
}

/** A value as operators read it: `on`, `off`, or the payload's JSON. */
export function describeValue(value: FlagValue | null): string {
  if (value === null) return '(missing)';
  return value.kind === 'enabled' ? (value.value ? 'on' : 'off') : JSON.stringify(value.value);
}
