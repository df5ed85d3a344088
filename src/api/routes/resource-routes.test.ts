import { describe, expect, it } from 'vitest';
import { STORY as story, STORY_NOW_MS as NOW, storyApp } from '../../../test/support/story-app.js';

function makeApp() {
  return storyApp({ viewer: 'v', operator: 'o', ingest: 'i' });
}

const get = (token: string): RequestInit => ({ headers: { Authorization: `Bearer ${token}` } });
const post = (token: string, body?: unknown): RequestInit => ({
  method: 'POST',
  headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

describe('findings', () => {
  it('opens a finding per regressed group when the upgrade is evaluated', async () => {
    const { app } = await makeApp();
    await app.request('/api/v1/upgrades', post('o', story.upgrade));
    expect(await (await app.request('/api/v1/findings', get('v'))).json()).toEqual([]);
    await app.request('/api/v1/upgrades/dten-2026.04/report', get('v'));
    const findings = (await (await app.request('/api/v1/findings', get('v'))).json()) as { signal: string; labels: Record<string, string>; resolvedAt: null; suspects: { binary: string }[] }[];
    expect(findings.map((f) => [f.signal, f.labels, f.suspects[0]?.binary]).sort()).toEqual([
      ['latency', { service: 'gateway', endpoint: '/v1/route' }, 'dten-gateway'],
      ['retries', { service: 'sync', peer: 'partner-api' }, 'dten-sync'],
    ]);
    expect(findings.every((f) => f.resolvedAt === null)).toBe(true);
    expect((await app.request('/api/v1/findings')).status).toBe(401);
  });
});

describe('decisions', () => {
  async function withProposal() {
    const made = await makeApp();
    await made.app.request('/api/v1/upgrades', post('o', story.upgrade));
    const decision = await made.store.createDecision({
      upgradeId: 'dten-2026.04',
      flag: 'dten.sync.backoff-v2',
      kind: 'toggle',
      proposal: { action: 'disable', evidence: ['retries +140% after dten-sync 2.8.0'] },
      status: 'proposed',
      requestedBy: 'tuner',
      approvedBy: null,
      leaderEpoch: 1,
      atMs: NOW,
    });
    return { ...made, id: decision.id };
  }

  it('lists decisions for viewers and lets an operator approve a proposed one, once', async () => {
    const { app, id, store } = await withProposal();
    const list = (await (await app.request('/api/v1/decisions', get('v'))).json()) as { id: string; status: string }[];
    expect(list).toEqual([expect.objectContaining({ id, status: 'proposed', flag: 'dten.sync.backoff-v2' })]);
    expect((await app.request(`/api/v1/decisions/${id}/approve`, post('v'))).status).toBe(403);
    const approved = await app.request(`/api/v1/decisions/${id}/approve`, post('o'));
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ status: 'approved', approvedBy: 'operator' });
    expect((await app.request(`/api/v1/decisions/${id}/reject`, post('o'))).status).toBe(409);
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(['upgrade.registered', 'decision.created', 'decision.approved']);
  });

  it('rejects with a reason, answers 404 for an unknown id and 409 to the loser of a race', async () => {
    const { app, id, store } = await withProposal();
    const [a, b] = await Promise.all([app.request(`/api/v1/decisions/${id}/approve`, post('o')), app.request(`/api/v1/decisions/${id}/reject`, post('o', { reason: 'too risky' }))]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((await app.request('/api/v1/decisions/999/approve', post('o'))).status).toBe(404);
    const other = await store.createDecision({ upgradeId: 'dten-2026.04', flag: 'f', kind: 'tune', proposal: {}, status: 'proposed', requestedBy: 'tuner', approvedBy: null, leaderEpoch: 1, atMs: NOW });
    const rejected = await app.request(`/api/v1/decisions/${other.id}/reject`, post('o', { reason: 'not now' }));
    expect(await rejected.json()).toMatchObject({ status: 'rejected' });
    const audit = await store.listAudit({ limit: 20 });
    expect(audit.at(-1)?.details).toMatchObject({ from: 'proposed', to: 'rejected', details: { reason: 'not now' } });
  });
});

describe('annotations', () => {
  it('lists upgrades and decisions as Grafana annotations within the range', async () => {
    const { app, store } = await makeApp();
    await app.request('/api/v1/upgrades', post('o', story.upgrade));
    await store.createDecision({ upgradeId: 'dten-2026.04', flag: 'dten.sync.backoff-v2', kind: 'toggle', proposal: {}, status: 'proposed', requestedBy: 'tuner', approvedBy: null, leaderEpoch: 1, atMs: NOW });
    const all = (await (await app.request('/api/v1/annotations', get('v'))).json()) as { time: number; timeEnd: number; title: string; tags: string[] }[];
    expect(all.map((a) => a.title)).toEqual(['upgrade dten-2026.04', 'decision 1: dten.sync.backoff-v2 proposed']);
    expect(all[0]).toMatchObject({ time: Date.parse('2026-04-10T12:00:00Z'), timeEnd: Date.parse('2026-04-10T12:40:00Z') });
    const early = (await (await app.request(`/api/v1/annotations?from=0&to=${Date.parse('2026-04-10T11:00:00Z')}`, get('v'))).json()) as unknown[];
    expect(early).toEqual([]);
  });
});
