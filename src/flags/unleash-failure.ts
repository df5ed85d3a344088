/**
 * How the Unleash adapter reads a failed call, and how long it waits before trying again. No
 * response, 408, 429 and 5xx are transient and retried with exponential backoff and full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): the wait after the n-th failure is
 * uniform in [0, min(cap, base·2^(n−1))), stretched to a `Retry-After` the server asks for. Anything
 * else is final and becomes one typed error: 401/403 auth (403 naming change requests: the
 * environment requires them), 404 not found, other 4xx rejected.
 */
import { ChangeRequestRequiredError, FlagNotFoundError, FlagRequestRejectedError, FlagStoreAuthError } from './flag-store-error.js';
import type { FlagStoreError } from './flag-store-error.js';

/** Bounds of the retry loop. */
export interface RetryPolicy {
  /** Attempts in all, the first included (at least 1). */
  readonly maxAttempts: number;
  /** Upper bound of the first wait, ms. */
  readonly baseDelayMs: number;
  /** No wait is longer, ms. */
  readonly maxDelayMs: number;
}

/** 4 attempts, waits below 250 ms, 500 ms, 1 s: a flapping server gets ~2 s before the tuner gives up and alerts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000 };

/** One answer of Unleash, as far as classification needs it. */
export interface FailedAnswer {
  readonly status: number;
  /** The response body, parsed when JSON. */
  readonly body: unknown;
}

/** Whether `status` is worth another attempt: 408, 429 and 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Full-jitter backoff: the wait after the `failedAttempts`-th failure (1-based), uniform in
 * [0, min(maxDelayMs, baseDelayMs·2^(failedAttempts−1))), then raised to `retryAfterMs` when the
 * server asked for longer, never beyond `maxDelayMs`.
 * @param random uniform in [0, 1).
 * @returns whole ms.
 */
export function retryDelayMs(failedAttempts: number, random: () => number, policy: RetryPolicy, retryAfterMs: number | null = null): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 52);
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const jittered = Math.floor(random() * ceilingMs);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** `Retry-After` in ms (delta seconds or an HTTP date, against `nowMs`), or null when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? null : Math.max(0, dateMs - nowMs);
}

/** Unleash's error message in a response body (`{"message": …}` or `{"details": [{"message": …}]}`), or the text itself. */
export function unleashMessage(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  if (body !== null && typeof body === 'object') {
    const record = body as { message?: unknown; details?: unknown };
    const details = Array.isArray(record.details)
      ? record.details.map((detail: unknown) => (detail as { message?: unknown } | null)?.message).filter((m): m is string => typeof m === 'string')
      : [];
    const message = typeof record.message === 'string' ? record.message : '';
    const extra = details.filter((detail) => detail !== message);
    return [message, ...extra].filter((part) => part !== '').join('; ') || JSON.stringify(body).slice(0, 300);
  }
  return '(empty body)';
}

/**
 * Whether a 403 says the environment requires change requests: Unleash Enterprise refuses direct
 * writes there with a PermissionError naming the `SKIP_CHANGE_REQUEST` permission.
 */
export function isChangeRequestRefusal(body: unknown): boolean {
  const permissions = body !== null && typeof body === 'object' ? (body as { permissions?: unknown }).permissions : undefined;
  if (Array.isArray(permissions) && permissions.includes('SKIP_CHANGE_REQUEST')) return true;
  return /SKIP_CHANGE_REQUEST|change[ _-]?requests?/i.test(unleashMessage(body));
}

/**
 * The typed error of a final (non-transient, non-2xx) answer to `what` (e.g. `GET flag x in
 * development`) about `flag`.
 */
export function finalError(answer: FailedAnswer, flag: string, what: string): FlagStoreError {
  const message = `Unleash answered ${answer.status} to ${what}: ${unleashMessage(answer.body)}`;
  if (answer.status === 401) return new FlagStoreAuthError(401, `${message} (the token is missing, wrong or expired)`);
  if (answer.status === 403) {
    if (isChangeRequestRefusal(answer.body)) return new ChangeRequestRequiredError(flag, `${message} (the environment requires change requests)`);
    return new FlagStoreAuthError(403, `${message} (the token lacks a permission; an admin token is needed)`);
  }
  if (answer.status === 404) return new FlagNotFoundError(flag, message);
  return new FlagRequestRejectedError(message);
}
