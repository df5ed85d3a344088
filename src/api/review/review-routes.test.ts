import { describe, expect, it } from 'vitest';
import { STORY, STORY_NOW_MS as NOW, storyApp } from '../../../test/support/story-app.js';
import { csrfTokenOf } from './review-session.js';
import type { MemoryStateStore } from '../../store/memory-state-store.js';
import { NOT_CARRIED_OUT } from '../../tune/decision-proposal.js';

const ENV = { V: 'viewer-token', O: 'operator-token', I: 'ingest-token' };
const UPGRADE = STORY.upgrade.id;

async function makeApp() {
  const made = await storyApp({ viewer: ENV.V, operator: ENV.O, ingest: ENV.I });
  const registered = await made.app.request('/api/v1/upgrades', { method: 'POST', headers: { Authorization: `Bearer ${ENV.O}`, 'Content-Type': 'application/json' }, body: JSON.stringify(STORY.upgrade) });
  expect(registered.status).toBe(201);
  return made;
}

/** A pending decision, as the tuner writes one for a flag no rule governs. */
async function pendingDecision(store: MemoryStateStore, summary = 'disable dten.gateway.hybrid (now on): latency {service=gateway, endpoint=/v1/route} p99 +50%'): Promise<string> {
  const created = await store.createDecision({
    upgradeId: UPGRADE,
    flag: 'dten.gateway.hybrid',
    kind: 'toggle',
    proposal: {
      action: 'disable',
      summary,
      mode: 'enforce',
      automatic: false,
      pendingReason: 'no guardrails rule lets the tuner change dten.gateway.hybrid on its own; the upgrade names it for dten-gateway',
      trigger: { findingId: '1', signal: 'latency', labels: { service: 'gateway', endpoint: '/v1/route' }, binary: 'dten-gateway', statistic: { name: 'p99', baseline: 0.12, after: 0.18, relativeChange: 0.5 } },
      target: { flag: 'dten.gateway.hybrid', strategyTitle: null, variant: null, before: { kind: 'enabled', value: true }, after: { kind: 'enabled', value: false }, changes: [] },
      prediction: null,
      rollbackOf: null,
      ...NOT_CARRIED_OUT,
    },
    status: 'proposed',
    requestedBy: 'tuner',
    approvedBy: null,
    leaderEpoch: 0,
    atMs: NOW,
  });
  return created.id;
}

const bearer = (token: string): RequestInit => ({ headers: { Authorization: `Bearer ${token}` } });
const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

describe('the review page', () => {
  it('asks an unknown visitor to sign in (401), and signing in sets an HttpOnly, SameSite=Strict cookie', async () => {
    const { app } = await makeApp();
    const anonymous = await app.request('/');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('<form method="post" action="/ui/login">');
    expect((await app.request('/ui/login', form({ token: 'nope', next: '/' }))).status).toBe(401);
    const signedIn = await app.request('/ui/login', form({ token: ENV.V, next: `/ui/upgrades/${UPGRADE}` }));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(`/ui/upgrades/${UPGRADE}`);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^shiftguard_session=viewer-token;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await app.request('/', { headers: { Cookie: 'shiftguard_session=viewer-token' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    // Only local paths are followed after signing in.
    expect((await app.request('/ui/login', form({ token: ENV.V, next: '//evil.example/' }))).headers.get('location')).toBe('/');
  });

  it('lists the upgrade, shows its groups worst first, and a group with both plots and its suspects', async () => {
    const { app } = await makeApp();
    const front = await (await app.request('/', bearer(ENV.V))).text();
    expect(front).toContain(`href="/ui/upgrades/${UPGRADE}"`);
    const upgrade = await (await app.request(`/ui/upgrades/${UPGRADE}`, bearer(ENV.V))).text();
    const verdicts = [...upgrade.matchAll(/data-verdict="([a-z_]+)"/g)].map((m) => m[1]);
    expect(verdicts.slice(0, 2)).toEqual(['regression', 'regression']);
    const href = /<a href="(\/ui\/upgrades\/[^"]+\/groups\/latency\?[^"]+)">latency<\/a>/.exec(upgrade)?.[1]?.replaceAll('&amp;', '&');
    expect(href).toBeDefined();
    const group = await (await app.request(href ?? '', bearer(ENV.V))).text();
    expect(group).toContain('data-plot="distribution"');
    expect(group).toContain('data-plot="timeseries"');
    expect(group).toContain('data-suspect="dten-gateway"');
    // One line per instance of the group, and a rollout marker per upgraded instance.
    expect([...group.matchAll(/data-series="(gw-\d+)"/g)].length).toBeGreaterThan(1);
    expect(group).toMatch(/data-marker="rollout gw-\d+"/);
    expect(group).toContain('data-marker="onset"');
    expect(group).toMatch(/data-point="p99 after"/);
  });

  it('lets an operator approve a pending decision after a confirmation; a viewer cannot', async () => {
    const { app, store } = await makeApp();
    const id = await pendingDecision(store);
    const asViewer = await (await app.request('/', bearer(ENV.V))).text();
    expect(asViewer).toContain(`data-decision="${id}" data-status="proposed"`);
    expect(asViewer).not.toContain(`/ui/decisions/${id}/approve`);
    expect(asViewer).toContain('an operator token can approve');
    expect((await app.request(`/ui/decisions/${id}/approve`, bearer(ENV.V))).status).toBe(403);
    const viewerPost = await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(ENV.V), back: '/' }, { Authorization: `Bearer ${ENV.V}` }));
    expect(viewerPost.status).toBe(403);
    expect((await store.getDecision(id))?.status).toBe('proposed');

    const confirm = await (await app.request(`/ui/decisions/${id}/approve?back=/`, bearer(ENV.O))).text();
    expect(confirm).toContain(`Approve decision ${id}?`);
    // Without the form's CSRF token, or from another origin, nothing happens.
    expect((await app.request(`/ui/decisions/${id}/approve`, form({ back: '/' }, { Authorization: `Bearer ${ENV.O}` }))).status).toBe(403);
    expect((await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(ENV.O), back: '/' }, { Authorization: `Bearer ${ENV.O}`, Origin: 'https://evil.example' }))).status).toBe(403);
    expect((await store.getDecision(id))?.status).toBe('proposed');

    const done = await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(ENV.O), back: '/', reason: 'looked at the plots' }, { Authorization: `Bearer ${ENV.O}`, Origin: 'http://localhost' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/?done=approved&decision=${id}`);
    expect(await store.getDecision(id)).toMatchObject({ status: 'approved', approvedBy: 'operator' });
    const after = await (await app.request(done.headers.get('location') ?? '/', bearer(ENV.O))).text();
    expect(after).toContain(`Decision ${id} approved`);
    // A second approval is a conflict, shown as such.
    expect((await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(ENV.O), back: '/' }, { Authorization: `Bearer ${ENV.O}` }))).status).toBe(409);
  });

  it('escapes what it shows (labels and summaries come from pushed data and decisions)', async () => {
    const { app, store } = await makeApp();
    await pendingDecision(store, '<script>alert(1)</script> "quoted" & more');
    const text = await (await app.request('/', bearer(ENV.V))).text();
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; more');
  });
});
