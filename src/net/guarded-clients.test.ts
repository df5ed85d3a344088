/**
 * Every outbound client over the guarded fetch reports a refused destination or a redirect like its
 * other network errors, without crashing: the Unleash adapter as "flag store unavailable", the
 * Prometheus reader as a PrometheusQueryError, alert delivery and the Grafana push as failed POSTs.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../alerts/post-json.js';
import { classifyAttempt, describeOutcome } from '../alerts/retry-policy.js';
import { classifyGrafanaOutcome, describeGrafanaOutcome, postGrafanaAnnotation } from '../annotations/grafana-client.js';
import { FlagStoreError } from '../flags/flag-store-error.js';
import { UnleashFlagStore } from '../flags/unleash-flag-store.js';
import { PrometheusQueryError, createPrometheusMetricsSource } from '../ingest/prometheus-api.js';
import { createGuardedFetch } from './guarded-fetch.js';
import { createOutboundPolicy } from './outbound-policy.js';

let server: Server | undefined;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits += 1;
    req.resume();
    res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

/** Loopback allowed by address; `rebind.test` answers 127.0.0.2, which is not. */
const guarded = createGuardedFetch({
  policy: createOutboundPolicy({ allowHosts: ['127.0.0.1', 'rebind.test'], allowLoopback: false, allowPrivate: true }),
  resolve: async () => [{ address: '127.0.0.2', family: 4 }],
});
const REFUSED = 'rebind.test resolves to 127.0.0.2, which is a loopback address; refused unless outbound.allowLoopback is true';

describe('clients over the guarded fetch', () => {
  it('Unleash: the tuner sees the flag store unavailable, naming the refusal', async () => {
    const store = new UnleashFlagStore({ url: `http://rebind.test:${port}/api`, token: 't', environment: 'production', fetch: guarded, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => undefined, random: () => 0 });
    const error = await store.readFlag('dten.sync.backoff').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagStoreError);
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringContaining(REFUSED) });
    const redirected = new UnleashFlagStore({ url: `http://127.0.0.1:${port}/api`, token: 't', environment: 'production', fetch: guarded, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(redirected.readFlag('x')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('redirects are not followed') });
  });

  it('Prometheus: the pull fails with a PrometheusQueryError naming the refusal or the redirect', async () => {
    const request = { metricNames: ['up'], startMs: 0, endMs: 60_000 };
    const refused = await createPrometheusMetricsSource({ url: `http://rebind.test:${port}/`, fetchImpl: guarded }).read(request).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PrometheusQueryError);
    expect((refused as Error).message).toContain(REFUSED);
    await expect(createPrometheusMetricsSource({ url: `http://127.0.0.1:${port}/`, fetchImpl: guarded }).read(request)).rejects.toThrow(
      /HTTP 302 redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/: redirects are not followed/,
    );
  });

  it('alerts: a refused receiver is a network failure (retried); a redirect an answer that is not retried', async () => {
    const refused = await postJson(guarded, { url: `http://rebind.test:${port}/hook`, body: '{}', timeoutMs: 5000, nowMs: 0 });
    expect(refused).toEqual({ kind: 'network', error: `outbound request to http://rebind.test:${port}/hook refused: ${REFUSED}` });
    expect(classifyAttempt(refused)).toBe('retry');
    const redirected = await postJson(guarded, { url: `http://127.0.0.1:${port}/hook`, body: '{}', timeoutMs: 5000, nowMs: 0 });
    expect(describeOutcome(redirected)).toBe('HTTP 302: redirect to http://169.254.169.254/latest/meta-data/ not followed (redirects are not followed)');
    expect(classifyAttempt(redirected)).toBe('give_up');
  });

  it('Grafana: a redirect means the URL is wrong (misdirected), a refusal is transient', async () => {
    const body = { time: 0, tags: [], text: 'x' };
    const redirected = await postGrafanaAnnotation(guarded, { baseUrl: `http://127.0.0.1:${port}`, token: 't', body, timeoutMs: 5000, nowMs: 0 });
    expect([classifyGrafanaOutcome(redirected), describeGrafanaOutcome(redirected)]).toEqual(['misdirected', 'HTTP 302: redirect to http://169.254.169.254/latest/meta-data/ not followed (redirects are not followed)']);
    const refused = await postGrafanaAnnotation(guarded, { baseUrl: `http://rebind.test:${port}`, token: 't', body, timeoutMs: 5000, nowMs: 0 });
    expect(classifyGrafanaOutcome(refused)).toBe('transient');
    expect(describeGrafanaOutcome(refused)).toContain(REFUSED);
  });

  it('sent nothing but the requests to the allowed address', () => {
    expect(hits).toBe(4);
  });
});
