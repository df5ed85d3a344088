import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCannedHttpServer, unusedPort } from '../../test/fixtures/ingest/canned-http-server.js';
import type { CannedHttpServer, CannedResponse, RecordedRequest } from '../../test/fixtures/ingest/canned-http-server.js';
import { createPrometheusClient, describeFetchError } from './prometheus-client.js';
import { PrometheusQueryError } from './prometheus-query-error.js';

const ROUTES: Record<string, CannedResponse> = {
  '/prefix/api/v1/ok': { body: { status: 'success', data: [1, 2], warnings: ['partial data'] } },
  '/prefix/api/v1/bad_query': { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } },
  '/prefix/api/v1/unavailable': { status: 503, body: 'Service Unavailable\n', contentType: 'text/plain' },
  '/prefix/api/v1/not_json': { body: '<html>login</html>', contentType: 'text/html' },
  '/prefix/api/v1/weird': { body: { status: 'pending' } },
  '/prefix/api/v1/slow': { hang: true },
  '/prefix/api/v1/big': { body: { status: 'success', data: 'x'.repeat(5000), warnings: [] } },
};

let server: CannedHttpServer;
beforeAll(async () => {
  server = await startCannedHttpServer((r: RecordedRequest) => ROUTES[r.path] ?? { status: 404, body: '404 page not found' });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<PrometheusQueryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrometheusQueryError) return error;
    throw error;
  }
  throw new Error('expected a PrometheusQueryError');
}

describe('createPrometheusClient', () => {
  it('sends GET parameters in the URL and POST parameters as a form, with extra headers', async () => {
    const client = createPrometheusClient({ url: `${server.url}prefix`, headers: { 'X-Scope-OrgID': 'tenant-1' } });
    expect(client.url).toBe(`${server.url}prefix/`);
    const got = await client.request('GET', 'ok', new URLSearchParams({ 'match[]': 'up', start: '1' }), 'series up');
    expect(got).toEqual({ data: [1, 2], warnings: ['partial data'] });
    await client.request('POST', 'ok', new URLSearchParams({ query: 'sum(rate(x[5m])) by (a)' }), 'query');
    const [get, post] = server.requests.slice(-2);
    expect(get?.method).toBe('GET');
    expect(get?.query.getAll('match[]')).toEqual(['up']);
    expect(get?.headers['x-scope-orgid']).toBe('tenant-1');
    expect(post?.method).toBe('POST');
    expect(post?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post?.params.get('query')).toBe('sum(rate(x[5m])) by (a)');
  });

  const client = (): ReturnType<typeof createPrometheusClient> => createPrometheusClient({ url: `${server.url}prefix/`, timeoutMs: 300 });

  it('reports a PromQL error with its type, message, the URL and the query', async () => {
    const error = await failure(client().request('POST', 'bad_query', new URLSearchParams(), 'query_range foo'));
    expect(error.message).toBe(`Prometheus at ${server.url}prefix/: HTTP 400 Bad Request, bad_data: parse error at char 3 while running query_range foo`);
    expect(error.status).toBe(400);
    expect(error.query).toBe('query_range foo');
    expect(error.url).toBe(`${server.url}prefix/`);
  });

  it('reports HTTP errors, invalid JSON and unexpected statuses', async () => {
    expect((await failure(client().request('GET', 'unavailable', new URLSearchParams(), 'q'))).reason).toBe('HTTP 503 Service Unavailable: Service Unavailable');
    expect((await failure(client().request('GET', 'not_json', new URLSearchParams(), 'q'))).reason).toBe('invalid JSON in the response: <html>login</html>');
    expect((await failure(client().request('GET', 'weird', new URLSearchParams(), 'q'))).reason).toBe('unexpected response: "status" is "pending", expected "success"');
    expect((await failure(client().request('GET', 'missing', new URLSearchParams(), 'q'))).status).toBe(404);
  });

  it('times out', async () => {
    const error = await failure(client().request('GET', 'slow', new URLSearchParams(), 'query up'));
    expect(error.message).toBe(`Prometheus at ${server.url}prefix/: timed out after 300 ms while running query up`);
  });

  it('reports a refused connection with its code', async () => {
    const url = `http://127.0.0.1:${await unusedPort()}/`;
    const error = await failure(createPrometheusClient({ url }).request('POST', 'query_range', new URLSearchParams(), 'query_range http_client_retries_total'));
    expect(error.message).toBe(`Prometheus at ${url}: cannot connect (ECONNREFUSED) while running query_range http_client_retries_total`);
  });

  it('refuses a response body over maxResponseBytes, declared or streamed, naming the limit', async () => {
    const small = createPrometheusClient({ url: `${server.url}prefix/`, maxResponseBytes: 1000 });
    expect((await failure(small.request('GET', 'big', new URLSearchParams(), 'q'))).reason).toBe('response body larger than 1000 bytes; narrow the query (fewer series or a shorter range)');
    expect((await createPrometheusClient({ url: `${server.url}prefix/`, maxResponseBytes: 6000 }).request('GET', 'big', new URLSearchParams(), 'q')).data).toHaveLength(5000);
    // Chunked, with no Content-Length: counted while it streams.
    const chunked = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"success","data":"');
      const timer = setInterval(() => res.write('y'.repeat(400)), 5);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => chunked.listen(0, '127.0.0.1', resolve));
    try {
      const port = (chunked.address() as AddressInfo).port;
      const streamed = createPrometheusClient({ url: `http://127.0.0.1:${port}/`, maxResponseBytes: 2000, timeoutMs: 10_000 });
      expect((await failure(streamed.request('GET', 'query', new URLSearchParams(), 'q'))).reason).toBe('response body larger than 2000 bytes; narrow the query (fewer series or a shorter range)');
    } finally {
      chunked.closeAllConnections();
      await new Promise((resolve) => chunked.close(resolve));
    }
  });

  it('refuses invalid URLs up front', () => {
    expect(() => createPrometheusClient({ url: 'prometheus:9090' })).toThrow("unsupported URL scheme 'prometheus:'");
    expect(() => createPrometheusClient({ url: 'not a url' })).toThrow('Prometheus at not a url: invalid URL');
    // A credential in the URL is refused without being repeated.
    const withPassword = (): unknown => createPrometheusClient({ url: 'http://scraper:s3cr3t-pw@prometheus.internal:9090/' });
    expect(withPassword).toThrow('Prometheus at http://***@prometheus.internal:9090/: user:password@ in the URL is not supported');
    expect(withPassword).not.toThrow(/s3cr3t-pw/);
  });
});

describe('describeFetchError', () => {
  it('finds codes in causes and aggregate causes', () => {
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {});
    expect(describeFetchError(new TypeError('fetch failed', { cause: aggregate }), 1)).toBe('cannot connect (ECONNREFUSED)');
    expect(describeFetchError(new TypeError('fetch failed', { cause: new Error('boom') }), 1)).toBe('request failed: fetch failed: boom');
    expect(describeFetchError(new DOMException('late', 'TimeoutError'), 5)).toBe('timed out after 5 ms');
  });
});
