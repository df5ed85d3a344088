/**
 * Calls of Prometheus' HTTP query API for tests: an instant query, a range query and the values of a
 * label, each answering with the error Prometheus gave (bad PromQL, a bad request) or the data.
 */

/** What one query gave: Prometheus' error, or how many series the result holds and how many of them have a finite value. */
export interface QueryOutcome {
  readonly error?: string;
  readonly series: number;
  /** Series with at least one finite value (not NaN, not ±Inf). */
  readonly finiteSeries: number;
}

interface ResultSeries {
  readonly value?: readonly [number, string];
  readonly values?: ReadonlyArray<readonly [number, string]>;
}

interface ApiBody {
  readonly status?: string;
  readonly error?: string;
  readonly data?: { readonly result?: readonly ResultSeries[] } | readonly string[];
}

async function get(url: string): Promise<ApiBody> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  try {
    return JSON.parse(text) as ApiBody;
  } catch {
    return { status: 'error', error: `HTTP ${response.status}: ${text.slice(0, 500)}` };
  }
}

function outcome(body: ApiBody): QueryOutcome {
  if (body.status !== 'success') return { error: body.error ?? 'no error message', series: 0, finiteSeries: 0 };
  const result = body.data !== undefined && 'result' in body.data ? (body.data.result ?? []) : [];
  const finite = (s: ResultSeries): boolean => [...(s.value ? [s.value] : []), ...(s.values ?? [])].some(([, v]) => Number.isFinite(Number(v)));
  return { series: result.length, finiteSeries: result.filter(finite).length };
}

/** `GET /api/v1/query` of `promql` evaluated at `atMs`. */
export async function instantQuery(promUrl: string, promql: string, atMs: number): Promise<QueryOutcome> {
  const params = new URLSearchParams({ query: promql, time: String(atMs / 1000) });
  return outcome(await get(`${promUrl}/api/v1/query?${params}`));
}

/** `GET /api/v1/query_range` of `promql` from `startMs` to `endMs` every `stepSeconds`. */
export async function rangeQuery(promUrl: string, promql: string, startMs: number, endMs: number, stepSeconds: number): Promise<QueryOutcome> {
  const params = new URLSearchParams({ query: promql, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepSeconds) });
  return outcome(await get(`${promUrl}/api/v1/query_range?${params}`));
}

/** The sorted values of `label` on the series `selector` matches (the last 5 minutes before `atMs`); throws on an error. */
export async function labelValues(promUrl: string, label: string, selector: string, atMs: number): Promise<string[]> {
  const params = new URLSearchParams({ 'match[]': selector, start: String((atMs - 300_000) / 1000), end: String(atMs / 1000) });
  const body = await get(`${promUrl}/api/v1/label/${encodeURIComponent(label)}/values?${params}`);
  if (body.status !== 'success' || !Array.isArray(body.data)) throw new Error(`label values of ${label} on ${selector}: ${body.error ?? 'no data'}`);
  return [...(body.data as string[])].sort();
}
