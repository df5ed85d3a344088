/**
 * When and how soon a failed delivery is tried again. Transient failures (no response, 408, 429,
 * 5xx) are retried with exponential backoff and "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015): the wait before attempt n+1 is uniform in [0, min(cap, base·2^(n−1))),
 * which spreads retries of many senders instead of synchronising them. Any other non-2xx answer says
 * the request itself is wrong, so repeating it cannot help.
 */
import type { PostOutcome } from './post-json.js';

/** What to do after one attempt. */
export type AttemptVerdict = 'delivered' | 'retry' | 'give_up';

/** Backoff bounds, in ms. */
export interface BackoffPolicy {
  /** Upper bound of the first wait (default 1 s). */
  readonly baseDelayMs: number;
  /** No wait is longer than this (default 60 s). */
  readonly maxDelayMs: number;
}

/** The webhook's defaults: base 1 s, cap 60 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

/** Classifies an attempt: 2xx delivered; no response, 408, 429 and 5xx retried; any other status given up. */
export function classifyAttempt(outcome: PostOutcome): AttemptVerdict {
  if (outcome.kind === 'network') return 'retry';
  const { status } = outcome;
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'give_up';
}

/**
 * Full-jitter backoff: the wait after the `failedAttempts`-th failure (1-based), uniform in
 * [0, min(maxDelayMs, baseDelayMs · 2^(failedAttempts−1))).
 * @param random uniform in [0, 1).
 * @returns whole ms.
 */
export function backoffDelayMs(failedAttempts: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 52);
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceilingMs);
}

/**
 * The wait before the next attempt: the jittered backoff, stretched to the receiver's `Retry-After`
 * when it asks for longer, and never beyond `maxDelayMs`.
 */
export function retryDelayMs(failedAttempts: number, outcome: PostOutcome, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const jittered = backoffDelayMs(failedAttempts, random, policy);
  const asked = outcome.kind === 'response' && outcome.retryAfterMs !== null ? outcome.retryAfterMs : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, asked));
}

/** `HTTP 503: <body start>` or the network error, for log lines. */
export function describeOutcome(outcome: PostOutcome): string {
  if (outcome.kind === 'network') return outcome.error;
  const body = outcome.bodySnippet.trim();
  return `HTTP ${outcome.status}${body === '' ? '' : `: ${body}`}`;
}
