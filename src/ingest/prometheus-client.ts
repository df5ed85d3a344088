/**
 * Minimal client of the Prometheus HTTP API (`/api/v1/...`), as also served by Thanos, Mimir and
 * VictoriaMetrics: GET or form-encoded POST, a timeout per request, and every failure (connection,
 * timeout, HTTP status, PromQL error, malformed JSON) turned into a {@link PrometheusQueryError}.
 */
import { PrometheusQueryError } from './prometheus-query-error.js';

/** Connection settings of {@link createPrometheusClient}. */
export interface PrometheusClientOptions {
  readonly url: string;
  /** Per-request timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. `Authorization` or Mimir's `X-Scope-OrgID`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetchImpl?: typeof fetch;
  /** Largest response body read, bytes (default {@link DEFAULT_MAX_RESPONSE_BYTES}); a larger one fails the request. */
  readonly maxResponseBytes?: number;
}

/** The `data` and `warnings` of a successful API response. */
export interface PrometheusApiResult {
  readonly data: unknown;
  readonly warnings: readonly string[];
}

/** Issues API requests; `label` (e.g. `query_range foo_total`) names the request in errors. */
export interface PrometheusClient {
  /** Normalised base URL (always ends with `/`). */
  readonly url: string;
  request(method: 'GET' | 'POST', endpoint: string, params: URLSearchParams, label: string): Promise<PrometheusApiResult>;
}

/** Default per-request timeout (ms). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Default bound on one response body: 256 MiB, far above what one chunk of a range query returns
 * (`prometheus-range-chunks.ts` keeps chunks to Prometheus' 11,000 points per series), and below
 * what would take the process down (a JSON text of that size parses to a few times its size).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 << 20;

/** Creates a client for the API at `options.url` (http or https; a path prefix such as `/prometheus` is kept). */
export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const url = normaliseBaseUrl(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetchImpl ?? fetch;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const request = async (method: 'GET' | 'POST', endpoint: string, params: URLSearchParams, label: string): Promise<PrometheusApiResult> => {
    const target = new URL(`api/v1/${endpoint}`, url);
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (method === 'GET') target.search = params.toString();
    else headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const fail = (reason: string, status?: number): PrometheusQueryError => new PrometheusQueryError(url, label, reason, status);
    let status: number | undefined;
    try {
      const response = await fetchImpl(target, {
        method,
        headers,
        body: method === 'POST' ? params.toString() : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      return interpretResponse(response.status, response.statusText, await readLimited(response, maxBytes, fail), fail);
    } catch (error) {
      if (error instanceof PrometheusQueryError) throw error;
      throw fail(describeFetchError(error, timeoutMs), status);
    }
  };
  return { url, request };
}

/** The body as text, refusing (and cancelling) one longer than `maxBytes`, declared or actual. */
async function readLimited(response: Response, maxBytes: number, fail: Fail): Promise<string> {
  const tooLarge = (): PrometheusQueryError => fail(`response body larger than ${maxBytes} bytes; narrow the query (fewer series or a shorter range)`, response.status);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    read += value.byteLength;
    if (read > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

function normaliseBaseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new PrometheusQueryError(raw, '', 'invalid URL (expected e.g. http://prometheus:9090/)');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Never repeated: the password would land in every message and log line naming the server.
    parsed.username = '***';
    parsed.password = '';
    throw new PrometheusQueryError(parsed.href, '', 'user:password@ in the URL is not supported (fetch does not send it; the credential is not shown)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PrometheusQueryError(raw, '', `unsupported URL scheme '${parsed.protocol}' (expected http or https)`);
  }
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

type Fail = (reason: string, status?: number) => PrometheusQueryError;

/** Turns an HTTP response into the API result or a {@link PrometheusQueryError}. */
function interpretResponse(status: number, statusText: string, text: string, fail: Fail): PrometheusApiResult {
  const httpText = `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what = status >= 200 && status < 300 ? 'invalid JSON in the response' : httpText;
    throw fail(`${what}: ${snippet(text)}`, status);
  }
  if (!isRecord(body)) throw fail(`unexpected response (expected a JSON object): ${snippet(text)}`, status);
  if (body.status === 'error') {
    throw fail(`${httpText}, ${String(body.errorType ?? 'error')}: ${String(body.error ?? '(no message)')}`, status);
  }
  if (status < 200 || status >= 300) throw fail(`${httpText}: ${snippet(text)}`, status);
  if (body.status !== 'success') throw fail(`unexpected response: "status" is ${JSON.stringify(body.status)}, expected "success"`, status);
  const warnings = Array.isArray(body.warnings) ? body.warnings.map(String) : [];
  return { data: body.data, warnings };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** `cannot connect (ECONNREFUSED)`, `timed out after 30000 ms`, … for an error thrown by fetch. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const code = errorCode(error);
  if (code !== undefined && CONNECT_CODES.has(code)) return `cannot connect (${code})`;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return `request failed${code === undefined ? '' : ` (${code})`}: ${message}${cause}`;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The `code` of an error, of its cause, or of the first error of an aggregate cause. */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isRecord(e) || e instanceof Error; depth++) {
    const record = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') return record.code;
    if (depth > 4) return undefined;
    e = record.cause ?? (Array.isArray(record.errors) ? record.errors[0] : undefined);
  }
  return undefined;
}
