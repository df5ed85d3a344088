/**
 * One `POST /api/annotations` to Grafana, and what its answer means for the feed.
 *
 * The contract, from Grafana's "Annotations HTTP API" documentation
 * (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/, "Create Annotation")
 * and its handler (grafana/grafana `pkg/api/annotations.go` `PostAnnotation`, body
 * `pkg/api/dtos/annotations.go` `PostAnnotationsCmd`): a JSON body with `text` (required, non-empty),
 * optional `dashboardUID`, `panelId`, `time` and `timeEnd` (epoch ms; `timeEnd` makes a region) and
 * `tags`; authentication `Authorization: Bearer <service-account token>`. Answers: 200
 * `{"message":"Annotation added","id":N}`; 400 for a body that does not bind or an empty text
 * (`{"message":"Failed to save annotation"}`); 401 for a missing or invalid token; 403 when the token
 * may not create annotations (there or on that dashboard); 500 when Grafana fails to save. Errors are
 * `{"message": …}`.
 *
 * Like every outbound call here it never throws: the outcome is data (a status, or why no response
 * came). Redirects are not followed (a redirect to a login page means the URL is wrong).
 */
import { parseRetryAfterMs, redirectNotFollowed } from '../alerts/post-json.js';
import { OutboundRedirectError } from '../net/outbound-error.js';
import type { Annotation } from './annotation-feed.js';
import type { GrafanaTarget } from './grafana-config.js';

/** The body of one `POST /api/annotations` (fields Grafana documents; `timeEnd` only for regions). */
export interface GrafanaAnnotationBody {
  readonly dashboardUID?: string;
  readonly time: number;
  readonly timeEnd?: number;
  readonly tags: readonly string[];
  readonly text: string;
}

/**
 * The POST body of an annotation: its time (and `timeEnd` for a region), the feed's tags plus the
 * configured ones, `title — text` as the text (Grafana annotations have no title), and the dashboard
 * when one is configured (else an organisation annotation).
 */
export function grafanaBody(annotation: Annotation, target: Pick<GrafanaTarget, 'dashboardUid' | 'tags'>): GrafanaAnnotationBody {
  return {
    ...(target.dashboardUid === null ? {} : { dashboardUID: target.dashboardUid }),
    time: annotation.time,
    ...(annotation.timeEnd > annotation.time ? { timeEnd: annotation.timeEnd } : {}),
    tags: [...new Set([...annotation.tags, ...target.tags])],
    text: `${annotation.title} — ${annotation.text}`,
  };
}

/** What one POST came to. */
export type GrafanaPostOutcome =
  | { readonly kind: 'added'; readonly id: number | null }
  | { readonly kind: 'response'; readonly status: number; readonly message: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'network'; readonly error: string };

/**
 * What the feed does with an outcome:
 * - `pushed`: Grafana stored the annotation;
 * - `rejected`: Grafana refused this annotation (400, 413, 422 and any other 4xx not below): skip it;
 * - `refused`: the token was refused (401, 403): wait, nothing is skipped;
 * - `misdirected`: the URL does not lead to the annotation API (3xx, 404, 405): wait likewise, since
 *   every annotation would meet the same answer;
 * - `transient`: no answer, 408, 429 or 5xx: retried at the next pass.
 */
export type GrafanaVerdict = 'pushed' | 'rejected' | 'refused' | 'misdirected' | 'transient';

/** What {@link postGrafanaAnnotation} needs. */
export interface GrafanaPostRequest {
  /** Grafana's base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  readonly body: GrafanaAnnotationBody;
  readonly timeoutMs: number;
  /** Aborts the request early (shutdown). */
  readonly signal?: AbortSignal;
  /** Epoch ms, for a `Retry-After` date. */
  readonly nowMs: number;
}

const MAX_MESSAGE_CHARS = 300;

/** POSTs one annotation; resolves with the outcome, never rejects. */
export async function postGrafanaAnnotation(fetchImpl: typeof fetch, request: GrafanaPostRequest): Promise<GrafanaPostOutcome> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(request.timeoutMs)));
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  try {
    const response = await fetchImpl(`${request.baseUrl}/api/annotations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'shiftguard', Authorization: `Bearer ${request.token}` },
      body: JSON.stringify(request.body),
      redirect: 'manual',
      signal,
    });
    const text = await response.text();
    if (response.status >= 200 && response.status < 300) return { kind: 'added', id: annotationId(text) };
    return { kind: 'response', status: response.status, message: grafanaMessage(text), retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), request.nowMs) };
  } catch (error) {
    if (timeout.aborted) return { kind: 'network', error: `no answer within ${request.timeoutMs} ms` };
    if (request.signal?.aborted === true) return { kind: 'network', error: 'aborted by shutdown' };
    if (error instanceof OutboundRedirectError) return { kind: 'response', status: error.status, message: redirectNotFollowed(error), retryAfterMs: null };
    return { kind: 'network', error: describeFetchError(error) };
  }
}

/** Classifies an outcome (see {@link GrafanaVerdict}). */
export function classifyGrafanaOutcome(outcome: GrafanaPostOutcome): GrafanaVerdict {
  if (outcome.kind === 'added') return 'pushed';
  if (outcome.kind === 'network') return 'transient';
  const { status } = outcome;
  if (status === 401 || status === 403) return 'refused';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status < 400 || status === 404 || status === 405) return 'misdirected';
  return 'rejected';
}

/** `HTTP 400: Failed to save annotation` or the network error, for logs and alerts. */
export function describeGrafanaOutcome(outcome: GrafanaPostOutcome): string {
  if (outcome.kind === 'added') return `added${outcome.id === null ? '' : ` as id ${outcome.id}`}`;
  if (outcome.kind === 'network') return outcome.error;
  return `HTTP ${outcome.status}${outcome.message === '' ? '' : `: ${outcome.message}`}`;
}

/** The `id` of Grafana's `{"message":"Annotation added","id":N}`, or null when the body lacks one. */
function annotationId(text: string): number | null {
  const id = parseObject(text)?.['id'];
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

/** Grafana's `message` (its `error` detail too when the server runs in development mode), else the body's start. */
function grafanaMessage(text: string): string {
  const body = parseObject(text);
  const message = typeof body?.['message'] === 'string' ? body['message'] : text.trim();
  const detail = typeof body?.['error'] === 'string' && body['error'] !== '' ? ` (${body['error']})` : '';
  return `${message}${detail}`.slice(0, MAX_MESSAGE_CHARS);
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9` rather than undici's bare `fetch failed`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
