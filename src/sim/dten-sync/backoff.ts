/**
 * dten-sync's two retry strategies and which one an instance uses. v1 ("legacy") sleeps a fixed
 * delay; v2 backs off exponentially with jitter, its constants read from the `dten.sync.backoff`
 * flag's variant payload. v2 runs only where the binary is 2.x or later AND the gate flag is on, so
 * turning the gate off is the kill switch back to v1.
 *
 * The sleeps are computed by `backoffDelayMs` of src/tune/retry-model.ts, the same function the
 * tuner's predictions use, so what the tuner simulates is what the client does.
 */
import type { Rng } from '../../detect/random.js';
import { backoffDelayMs } from '../../tune/retry-model.js';
import type { BackoffConstants, Jitter } from '../../tune/retry-model.js';

/** The legacy strategy: a fixed sleep between attempts. */
export interface V1Backoff {
  readonly delayMs: number;
  readonly maxRetries: number;
}

/** The strategy one logical request runs with. */
export type BackoffStrategy =
  | { readonly kind: 'v1'; readonly v1: V1Backoff }
  | {
      readonly kind: 'v2';
      readonly constants: BackoffConstants;
      /** `flag`: the tuning flag's payload; `defaults`: it was missing or invalid. */
      readonly source: 'flag' | 'defaults';
    };

/** v1 unless configured otherwise. */
export const V1_DEFAULTS: V1Backoff = Object.freeze({ delayMs: 400, maxRetries: 2 });

/**
 * v2's built-in constants, used when the tuning flag has no valid payload. Eager on purpose: this is
 * the upgrade's v2 strategy that "retries too eagerly" (every sleep well inside a transient fault).
 */
export const V2_DEFAULTS: BackoffConstants = Object.freeze({ baseDelayMs: 20, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' });

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/** The major version of a semantic version string (`2.0.0` → 2); NaN when it has none. */
export function majorVersion(version: string): number {
  const match = /^v?(\d+)/.exec(version.trim());
  return match === null ? NaN : Number(match[1]);
}

/** Whether an instance running `version` uses v2: binary ≥ 2 and the gate on. */
export function usesV2(version: string, gateEnabled: boolean): boolean {
  return majorVersion(version) >= 2 && gateEnabled;
}

/** Result of {@link parseBackoffPayload}. */
export type PayloadParse = { readonly ok: true; readonly constants: BackoffConstants } | { readonly ok: false; readonly reason: string };

/**
 * Reads backoff constants from a variant payload's text (JSON). Valid: `baseDelayMs` > 0,
 * `multiplier` ≥ 1, `maxDelayMs` ≥ 0, `maxRetries` a non-negative integer, `jitter` one of none,
 * full, equal, decorrelated. Other keys are ignored.
 */
export function parseBackoffPayload(text: string | undefined): PayloadParse {
  if (text === undefined) return { ok: false, reason: 'the variant has no payload' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `payload is not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'payload is not a JSON object' };
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  const number = (key: string, valid: (n: number) => boolean, what: string): number => {
    const n = p[key];
    if (typeof n === 'number' && Number.isFinite(n) && valid(n)) return n;
    problems.push(`${key} must be ${what}, got ${JSON.stringify(n) ?? 'nothing'}`);
    return NaN;
  };
  const baseDelayMs = number('baseDelayMs', (n) => n > 0, 'a number > 0');
  const multiplier = number('multiplier', (n) => n >= 1, 'a number ≥ 1');
  const maxDelayMs = number('maxDelayMs', (n) => n >= 0, 'a number ≥ 0');
  const maxRetries = number('maxRetries', (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0');
  const jitter = p['jitter'];
  if (!JITTERS.includes(jitter as Jitter)) problems.push(`jitter must be one of ${JITTERS.join(', ')}, got ${JSON.stringify(jitter) ?? 'nothing'}`);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, constants: { baseDelayMs, multiplier, maxDelayMs, maxRetries, jitter: jitter as Jitter } };
}

/**
 * Turns payload texts into v2 strategies, remembering the last text so a payload is parsed once per
 * change, not once per request; an invalid or missing payload falls back to {@link V2_DEFAULTS} and
 * is reported through `warn` once (again only when the text changes).
 */
export class BackoffPayloadReader {
  private lastText: string | undefined | null = null;
  private lastStrategy: BackoffStrategy = { kind: 'v2', constants: V2_DEFAULTS, source: 'defaults' };

  constructor(private readonly warn: (message: string) => void) {}

  /** The v2 strategy for payload `text` (undefined: no payload). */
  read(text: string | undefined): BackoffStrategy {
    if (text === this.lastText) return this.lastStrategy;
    this.lastText = text;
    const parsed = parseBackoffPayload(text);
    if (parsed.ok) {
      this.lastStrategy = { kind: 'v2', constants: Object.freeze({ ...parsed.constants }), source: 'flag' };
    } else {
      this.lastStrategy = { kind: 'v2', constants: V2_DEFAULTS, source: 'defaults' };
      this.warn(`backoff payload unusable (${parsed.reason}); using built-in v2 defaults ${JSON.stringify(V2_DEFAULTS)}`);
    }
    return this.lastStrategy;
  }
}

/** The sleep before retry `k` (1-based), ms; `previousMs` is the previous sleep (decorrelated jitter uses it). */
export function retrySleepMs(strategy: BackoffStrategy, k: number, previousMs: number, rng: Rng): number {
  return strategy.kind === 'v1' ? strategy.v1.delayMs : backoffDelayMs(strategy.constants, k, previousMs, rng);
}

/** The previous sleep to pass for the first retry (decorrelated jitter starts from the base delay). */
export function initialPreviousSleepMs(strategy: BackoffStrategy): number {
  return strategy.kind === 'v1' ? strategy.v1.delayMs : strategy.constants.baseDelayMs;
}

/** How many retries the strategy allows after the first attempt. */
export function maxRetriesOf(strategy: BackoffStrategy): number {
  return strategy.kind === 'v1' ? strategy.v1.maxRetries : strategy.constants.maxRetries;
}

/** One-line description, also the key the client's statistics are grouped by. */
export function describeStrategy(strategy: BackoffStrategy): string {
  if (strategy.kind === 'v1') return `v1(${strategy.v1.delayMs}ms x${strategy.v1.maxRetries})`;
  const c = strategy.constants;
  const defaults = strategy.source === 'defaults' ? ' defaults' : '';
  return `v2(${c.baseDelayMs}ms*${c.multiplier}^k<=${c.maxDelayMs}ms x${c.maxRetries} ${c.jitter}${defaults})`;
}

/** What the strategy choice reads from the flags, per instance (the Unleash adapter, or a fake in tests). */
export interface BackoffFlagView {
  /** Whether the gate flag is on for `instance`. */
  isGateOn(instance: string): boolean;
  /** The tuning flag's variant payload text for `instance`; undefined when it has none. */
  tuningPayload(instance: string): string | undefined;
}

/**
 * The strategy of `instance` running `version` now: v1 unless the binary is ≥ 2 and the gate is on,
 * then v2 with the tuning flag's constants (read only when v2 applies, as the real client does).
 */
export function selectStrategy(instance: string, version: string, flags: BackoffFlagView, v1: V1Backoff, reader: BackoffPayloadReader): BackoffStrategy {
  // A 1.x binary has no v2 code to gate: its gate is not even read.
  const gateOn = majorVersion(version) >= 2 && flags.isGateOn(instance);
  if (!usesV2(version, gateOn)) return { kind: 'v1', v1 };
  return reader.read(flags.tuningPayload(instance));
}
