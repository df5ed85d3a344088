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
import { postJson } from '../alerts/post-json.js';
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
  const outcome = await postJson(fetchImpl, {
    url: `${request.baseUrl}/api/annotations`,
    body: JSON.stringify(request.body),
    headers: { Accept: 'application/json', Authorization: `Bearer ${request.token}` },
    timeoutMs: request.timeoutMs,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    nowMs: request.nowMs,
    readBody: true,
  });
  if (outcome.kind === 'network') return outcome;
  if (outcome.status >= 200 && outcome.status < 300) return { kind: 'added', id: annotationId(outcome.body ?? '') };
  // No body: a redirect the guarded fetch did not follow, described in the snippet.
  return { kind: 'response', status: outcome.status, message: outcome.body === undefined ? outcome.bodySnippet : grafanaMessage(outcome.body), retryAfterMs: outcome.retryAfterMs };
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
