/**
 * One JSON POST to a delivery target, with a timeout, that never throws: the outcome is data
 * (a status, or why no response came), so callers decide about retries without try/catch.
 * Redirects are not followed: a signed webhook or an alert batch must reach the configured URL.
 */

import { OutboundRedirectError } from '../net/outbound-error.js';

/** What one POST came to. */
export type PostOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** The `Retry-After` header in ms from now (seconds or an HTTP date), null when absent or unreadable. */
      readonly retryAfterMs: number | null;
      /** The start of the response body (at most 300 characters) when the status is not 2xx, else empty. */
      readonly bodySnippet: string;
      /** The whole response body, whatever the status, when the request asked for it (`readBody`); absent for a redirect not followed. */
      readonly body?: string;
    }
  | { readonly kind: 'network'; readonly error: string };

/** What {@link postJson} needs. */
export interface PostJsonRequest {
  readonly url: string;
  /** The exact bytes to send (callers sign this text). */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the request early (shutdown). */
  readonly signal?: AbortSignal;
  /** Clock for `Retry-After` dates, epoch ms. */
  readonly nowMs: number;
  /** Read the whole body into the outcome's `body`, 2xx included (callers that need the answer's content). */
  readonly readBody?: boolean;
}

const MAX_SNIPPET_CHARS = 300;

/** POSTs `body` as `application/json`; resolves with the outcome, never rejects. */
export async function postJson(fetchImpl: typeof fetch, request: PostJsonRequest): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(request.timeoutMs)));
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'shiftguard', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const ok = response.status >= 200 && response.status < 300;
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), request.nowMs);
    if (request.readBody === true) {
      const body = await response.text();
      return { kind: 'response', status: response.status, retryAfterMs, bodySnippet: ok ? '' : body.slice(0, MAX_SNIPPET_CHARS), body };
    }
    const bodySnippet = ok ? '' : (await response.text()).slice(0, MAX_SNIPPET_CHARS);
    if (ok) await response.body?.cancel();
    return { kind: 'response', status: response.status, retryAfterMs, bodySnippet };
  } catch (error) {
    if (timeout.aborted) return { kind: 'network', error: `no answer within ${request.timeoutMs} ms` };
    if (request.signal?.aborted === true) return { kind: 'network', error: 'aborted by shutdown' };
    if (error instanceof OutboundRedirectError) return { kind: 'response', status: error.status, retryAfterMs: null, bodySnippet: redirectNotFollowed(error) };
    return { kind: 'network', error: describeFetchError(error) };
  }
}

/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 * @returns ms from `nowMs` (never negative), or null when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const atMs = Date.parse(text);
  return Number.isNaN(atMs) ? null : Math.max(0, atMs - nowMs);
}

/** `redirect to http://… not followed` for a 3xx the guarded fetch refused to follow. */
export function redirectNotFollowed(error: OutboundRedirectError): string {
  return `redirect to ${error.location ?? '(no Location)'} not followed (redirects are not followed)`;
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9` rather than undici's bare `fetch failed`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
