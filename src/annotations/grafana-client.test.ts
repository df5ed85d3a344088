import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startGrafanaAnnotationsServer } from '../../test/support/grafana-annotations-server.js';
import type { GrafanaAnnotationsServer } from '../../test/support/grafana-annotations-server.js';
import { classifyGrafanaOutcome, describeGrafanaOutcome, postGrafanaAnnotation } from './grafana-client.js';
import type { GrafanaAnnotationBody, GrafanaPostOutcome } from './grafana-client.js';

const T0 = Date.parse('2026-04-10T12:00:00Z');
const BODY: GrafanaAnnotationBody = { time: T0, timeEnd: T0 + 60_000, tags: ['shiftguard'], text: 'upgrade u — pkg: a 1→2' };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function grafana(): Promise<GrafanaAnnotationsServer> {
  const server = await startGrafanaAnnotationsServer({ token: 'glsa_ok' });
  closers.push(() => server.close());
  return server;
}

const post = (baseUrl: string, token: string, body: GrafanaAnnotationBody = BODY) => postGrafanaAnnotation(fetch, { baseUrl, token, body, timeoutMs: 5000, nowMs: T0 });
const response = (status: number, message = ''): GrafanaPostOutcome => ({ kind: 'response', status, message, retryAfterMs: null });

describe('postGrafanaAnnotation', () => {
  it('sends the body with the bearer token and reads the id Grafana gives', async () => {
    const server = await grafana();
    expect(await post(server.url, 'glsa_ok')).toEqual({ kind: 'added', id: 1 });
    expect(server.stored).toEqual([{ id: 1, dashboardUID: null, panelId: 0, time: T0, timeEnd: T0 + 60_000, tags: ['shiftguard'], text: BODY.text }]);
    expect(server.requests[0]?.authorization).toBe('Bearer glsa_ok');
  });

  it('reads Grafana\'s message and Retry-After from an error', async () => {
    const server = await grafana();
    expect(await post(server.url, 'glsa_wrong')).toEqual(response(401, 'Invalid API key'));
    expect(await post(server.url, 'glsa_ok', { ...BODY, text: '' })).toEqual(response(400, 'Failed to save annotation'));
    server.failNext({ status: 429, message: 'Too many requests', headers: { 'Retry-After': '7' } });
    expect(await post(server.url, 'glsa_ok')).toEqual({ kind: 'response', status: 429, message: 'Too many requests', retryAfterMs: 7000 });
    expect(await post(`${server.url}/grafana`, 'glsa_ok')).toEqual(response(404, 'Not found'));
  });

  it('does not follow a redirect, and reports a refused connection as no answer', async () => {
    const redirecting = createServer((_req, res) => res.writeHead(302, { Location: '/login' }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => redirecting.close(() => resolve())));
    const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    expect(await post(url, 'glsa_ok')).toEqual(response(302));
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise((resolve) => gone.close(resolve));
    const closed = await post(goneUrl, 'glsa_ok');
    expect(closed).toMatchObject({ kind: 'network', error: expect.stringContaining('ECONNREFUSED') as string });
  });
});

describe('classifyGrafanaOutcome', () => {
  it('pushes on 2xx, skips on a rejected body, waits on a refused token or a wrong URL, retries the rest', () => {
    const cases: [GrafanaPostOutcome, string][] = [
      [{ kind: 'added', id: 3 }, 'pushed'],
      [response(400), 'rejected'],
      [response(413), 'rejected'],
      [response(422), 'rejected'],
      [response(409), 'rejected'],
      [response(401), 'refused'],
      [response(403), 'refused'],
      [response(302), 'misdirected'],
      [response(404), 'misdirected'],
      [response(405), 'misdirected'],
      [response(408), 'transient'],
      [response(429), 'transient'],
      [response(500), 'transient'],
      [response(503), 'transient'],
      [{ kind: 'network', error: 'no answer within 10 ms' }, 'transient'],
    ];
    expect(cases.map(([outcome]) => classifyGrafanaOutcome(outcome))).toEqual(cases.map(([, verdict]) => verdict));
  });

  it('describes an outcome for logs', () => {
    expect(describeGrafanaOutcome(response(400, 'Failed to save annotation'))).toBe('HTTP 400: Failed to save annotation');
    expect(describeGrafanaOutcome(response(502))).toBe('HTTP 502');
    expect(describeGrafanaOutcome({ kind: 'added', id: 4 })).toBe('added as id 4');
  });
});
