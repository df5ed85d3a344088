import { createKillSwitch } from '../tune/kill-switch.js';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.js';
import { tokenAuth } from './auth.js';
import { createMemoryUpgradeRegistry } from './upgrade-registry.js';
import { createServiceMetrics } from '../telemetry/service-metrics.js';
import { ApiError } from './api-error.js';
import { dtenStory } from '../sim/scenarios.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import { MemoryStateStore } from '../store/memory-state-store.js';

const TOKENS = { viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } };
const ENV = { V: 'viewer-secret', O: 'operator-secret', I: 'ingest-secret' };
const story = dtenStory(1);
const source = createMemoryMetricsSource(simulateFleet(story.scenario).series);

function makeApp(options: { ready?: boolean; withSource?: boolean } = {}) {
  const errors: unknown[] = [];
  const store = new MemoryStateStore();
  void store.open();
  const app = createApp({
    auth: tokenAuth(TOKENS, ENV),
    registry: createMemoryUpgradeRegistry(),
    metrics: createServiceMetrics(),
    analyze: async (upgrade) => {
      if (options.withSource === false) throw new ApiError(503, 'no_metrics_source', 'no metrics source configured');
      return runAnalysis({ config: defaultConfig(), upgrade, source });
    },
    now: () => Date.parse('2026-04-10T14:00:00Z'),
    ready: () => options.ready ?? true,
    maxJsonBodyBytes: 1 << 20,
    version: 'test',
    logError: (_m, e) => errors.push(e),
    findings: store,
    decisions: store,
    killSwitch: createKillSwitch(store, false, () => Date.parse('2026-04-10T14:00:00Z')),
  });
  return { app, errors, store };
}

const auth = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const json = (token: string, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { ...auth(token), 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('health and readiness', () => {
  it('answers /healthz always and /readyz only when ready', async () => {
    expect((await makeApp().app.request('/healthz')).status).toBe(200);
    expect((await makeApp().app.request('/readyz')).status).toBe(200);
    const notReady = await makeApp({ ready: false }).app.request('/readyz');
    expect(notReady.status).toBe(503);
  });
});

describe('bearer-token roles', () => {
  it('answers 401 without a token or with an unknown one, 403 with a token lacking the role', async () => {
    const { app } = makeApp();
    const none = await app.request('/api/v1/upgrades');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'missing bearer token' } });
    expect((await app.request('/api/v1/upgrades', { headers: auth('nope') })).status).toBe(401);
    expect((await app.request('/api/v1/upgrades', { headers: auth(ENV.I) })).status).toBe(403);
    expect((await app.request('/api/v1/upgrades', json(ENV.V, story.upgrade))).status).toBe(403);
    expect((await app.request('/api/v1/upgrades', { headers: auth(ENV.O) })).status).toBe(200);
  });
});

describe('upgrades', () => {
  it('registers an upgrade (operator), lists it (viewer) and refuses a duplicate id', async () => {
    const { app } = makeApp();
    const created = await app.request('/api/v1/upgrades', json(ENV.O, story.upgrade));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'dten-2026.04', changedBinaries: 3, registeredAt: '2026-04-10T14:00:00.000Z' });
    const list = (await (await app.request('/api/v1/upgrades', { headers: auth(ENV.V) })).json()) as { id: string }[];
    expect(list.map((u) => u.id)).toEqual(['dten-2026.04']);
    const again = await app.request('/api/v1/upgrades', json(ENV.O, story.upgrade));
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('answers 400 naming every bad field', async () => {
    const { app } = makeApp();
    const bad = { ...story.upgrade, startedAt: 'yesterday', binaries: [{ name: 'x', rollout: [{ instance: 'a', at: 'soon' }] }] };
    const response = await app.request('/api/v1/upgrades', json(ENV.O, bad));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/startedAt/);
    expect(body.error.message).toMatch(/binaries\.0\.rollout\.0\.at|binaries\[0\]\.rollout\[0\]\.at/);
  });

  it('refuses a body that is not JSON', async () => {
    const { app } = makeApp();
    const response = await app.request('/api/v1/upgrades', { method: 'POST', headers: { ...auth(ENV.O), 'Content-Type': 'application/json' }, body: '{"id":' });
    expect(response.status).toBe(400);
  });

  it('serves the report of a registered upgrade, the same as analyze computes', async () => {
    const { app } = makeApp();
    await app.request('/api/v1/upgrades', json(ENV.O, story.upgrade));
    const response = await app.request('/api/v1/upgrades/dten-2026.04/report', { headers: auth(ENV.V) });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { summary: { regressions: number }; groups: { verdict: string; suspects: { binary: string }[] }[] };
    expect(report.summary.regressions).toBe(2);
    expect(report.groups.filter((g) => g.verdict === 'regression').map((g) => g.suspects[0]?.binary)).toEqual(['dten-gateway', 'dten-sync']);
    expect((await app.request('/api/v1/upgrades/nope/report', { headers: auth(ENV.V) })).status).toBe(404);
  });

  it('answers 503 for a report when there is no metrics source', async () => {
    const { app } = makeApp({ withSource: false });
    await app.request('/api/v1/upgrades', json(ENV.O, story.upgrade));
    expect((await app.request('/api/v1/upgrades/dten-2026.04/report', { headers: auth(ENV.V) })).status).toBe(503);
  });
});

describe('documents', () => {
  it('serves the OpenAPI document built from the request schemas', async () => {
    const doc = (await (await makeApp().app.request('/openapi.json')).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/upgrades', '/api/v1/upgrades/{id}/report']));
    const post = (doc.paths['/api/v1/upgrades'] as { post: { requestBody: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } } }).post;
    expect(Object.keys(post.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(expect.arrayContaining(['id', 'startedAt', 'binaries']));
  });

  it('documents the 503 of a state store that is down or full on every operation, next to a 503 of its own', async () => {
    const doc = (await (await makeApp().app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, { description: string; headers?: object }> }>> };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations) expect(operation.responses['503']?.description).toContain('`store_unavailable`');
    expect(doc.paths['/api/v1/decisions']?.['get']?.responses['503']?.headers).toHaveProperty('Retry-After');
    expect(doc.paths['/api/v1/upgrades/{id}/report']?.['get']?.responses['503']?.description).toMatch(/^No metrics source to analyse, or the analysis could not run .*; or: The state store is unavailable/);
  });

  it('exposes its own metrics with the shiftguard_ prefix', async () => {
    const { app } = makeApp();
    await app.request('/healthz');
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/shiftguard_http_requests_total\{route="\/healthz",method="GET",code="200"\} 1/);
    expect(text).toMatch(/shiftguard_process_cpu_seconds_total/);
  });

  it('engages and releases the tuner kill switch (operator), shows it to viewers, and audits it', async () => {
    const { app, store } = makeApp();
    const put = (token: string, body: unknown): RequestInit => ({ ...json(token, body), method: 'PUT' });
    expect((await app.request('/api/v1/tuner/kill-switch', put('viewer-secret', { engaged: true }))).status).toBe(403);
    expect((await app.request('/api/v1/tuner/kill-switch', put('operator-secret', { engaged: 'yes' }))).status).toBe(400);
    const engaged = await app.request('/api/v1/tuner/kill-switch', put('operator-secret', { engaged: true, reason: 'incident 42' }));
    expect(engaged.status).toBe(200);
    expect(await engaged.json()).toMatchObject({ engaged: true, source: 'api', api: { reason: 'incident 42', updatedBy: 'operator' } });
    const seen = await app.request('/api/v1/tuner/kill-switch', { headers: auth('viewer-secret') });
    expect(await seen.json()).toMatchObject({ engaged: true, source: 'api' });
    expect((await store.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['tuner.kill_switch.engaged']);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await makeApp().app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /nope' } });
  });
});
