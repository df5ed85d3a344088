/**
 * One Admin API call to Unleash with bounded retries: JSON in and out, the admin token in
 * `Authorization`, a per-attempt timeout, transient failures (network, 408, 429, 5xx) retried with
 * full-jitter backoff, and every final failure turned into one typed error (`unleash-failure.ts`).
 *
 * Writes carry their decision id in `X-Shiftguard-Decision-Id` and in the `User-Agent`. Unleash
 * 6.x OSS records neither (its feature endpoints take no comment and its event log keeps the token
 * name as `createdBy`), so they serve proxies and access logs; the durable link is the event id the
 * adapter reads back after each write.
 */
import { FlagStoreUnavailableError } from './flag-store-error.js';
import { DEFAULT_RETRY_POLICY, finalError, isTransientStatus, parseRetryAfterMs, retryDelayMs, unleashMessage } from './unleash-failure.js';
import type { RetryPolicy } from './unleash-failure.js';

/** Header that carries the decision id of a write. */
export const DECISION_HEADER = 'x-shiftguard-decision-id';

/** Connection settings and the injectable clock, randomness and transport. */
export interface UnleashHttpOptions {
  /** API base including `/api`, as for unleash-client: `http://127.0.0.1:4242/api`. */
  readonly url: string;
  /** An admin API token (`*:*.<secret>`) or a personal access token. */
  readonly token: string;
  readonly retry?: RetryPolicy;
  /** Bound on one attempt, ms (default 10 s); a timed-out attempt counts as a network failure. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Waits between attempts (default a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1) for the jitter (default `Math.random`: jitter exists to decorrelate replicas, so it needs no seed in production; tests inject one). */
  readonly random?: () => number;
  /** Wall clock for `Retry-After` dates, Unix ms. */
  readonly nowMs?: () => number;
}

/** One call. */
export interface AdminCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Below the API base, starting with `/admin/`. */
  readonly path: string;
  readonly body?: unknown;
  /** Set on writes; checked by the caller (`checkDecisionId`) so it can travel in a header. */
  readonly decisionId?: string;
  /** The flag the call is about, for typed errors. */
  readonly flag: string;
  /** What the call does, for messages: `read flag x in development`. */
  readonly what: string;
}

type Attempt = { readonly kind: 'answer'; readonly status: number; readonly body: unknown; readonly retryAfterMs: number | null }
  | { readonly kind: 'network'; readonly error: unknown };

/** The Admin API transport of the Unleash adapter. */
export class UnleashAdminHttp {
  private readonly base: string;
  private readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly nowMs: () => number;

  constructor(private readonly options: UnleashHttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.policy = options.retry ?? DEFAULT_RETRY_POLICY;
    if (!Number.isInteger(this.policy.maxAttempts) || this.policy.maxAttempts < 1) {
      throw new RangeError(`retry.maxAttempts must be a whole number >= 1, got ${this.policy.maxAttempts}`);
    }
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Sends `call`, retrying transient failures; resolves with the parsed 2xx body (null when empty). */
  async call(call: AdminCall): Promise<unknown> {
    let last: Attempt | undefined;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      last = await this.attempt(call);
      if (last.kind === 'answer') {
        if (last.status >= 200 && last.status < 300) return last.body;
        if (!isTransientStatus(last.status)) throw finalError(last, call.flag, call.what);
      }
      if (attempt < this.policy.maxAttempts) {
        await this.sleep(retryDelayMs(attempt, this.random, this.policy, last.kind === 'answer' ? last.retryAfterMs : null));
      }
    }
    throw unavailable(call, last as Attempt, this.policy.maxAttempts, this.base);
  }

  private async attempt(call: AdminCall): Promise<Attempt> {
    const headers: Record<string, string> = { authorization: this.options.token, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.decisionId !== undefined) {
      headers[DECISION_HEADER] = call.decisionId;
      headers['user-agent'] = `shiftguard (decision ${call.decisionId})`;
    } else {
      headers['user-agent'] = 'shiftguard';
    }
    try {
      const response = await this.fetchImpl(`${this.base}${call.path}`, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      return { kind: 'answer', status: response.status, body: parseBody(text), retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), this.nowMs()) };
    } catch (error) {
      return { kind: 'network', error };
    }
  }
}

function unavailable(call: AdminCall, last: Attempt, attempts: number, base: string): FlagStoreUnavailableError {
  const cause = last.kind === 'network' ? last.error : undefined;
  const found = last.kind === 'network' ? describeNetworkError(last.error) : `HTTP ${last.status}: ${unleashMessage(last.body)}`;
  return new FlagStoreUnavailableError(`Unleash at ${base} is unavailable: ${call.what} failed ${attempts} times, last with ${found}`, attempts, { cause });
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** A response body: JSON when it parses, else the text itself (null when empty). */
export function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
