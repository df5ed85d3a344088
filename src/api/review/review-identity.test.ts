import { afterEach, describe, expect, it } from 'vitest';
import { GATE } from '../../../test/support/tuner-harness.js';
import { PEOPLE, identityApp, tokenLine } from '../../../test/support/identity-app.js';
import type { IdentityApp } from '../../../test/support/identity-app.js';
import { csrfTokenOf } from './review-session.js';

let made: IdentityApp | null = null;
afterEach(async () => {
  await made?.h.stop();
  made = null;
});

const form = (fields: Record<string, string>, token: string): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${token}` },
  body: new URLSearchParams(fields).toString(),
});

async function requestAsAlice(m: IdentityApp): Promise<string> {
  const response = await m.call('alice', 'POST', '/api/v1/decisions', { upgrade: 'dten-1', flag: GATE, action: 'disable', reason: 'retries doubled' });
  expect(response.status).toBe(201);
  return String(((await response.json()) as { id: string }).id);
}

describe('the review page knows who is signed in', () => {
  it('shows the name; an env role token is shown by its role', async () => {
    made = await identityApp();
    expect(await (await made.app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.alice}` } })).text()).toContain('signed in as <strong data-who="alice">alice</strong> (operator)');
    expect(await (await made.app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.vera}` } })).text()).toContain('signed in as <strong data-who="vera">vera</strong> (viewer)');
    expect(await (await made.app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.operator}` } })).text()).toContain('signed in as <strong data-who="operator">operator</strong></span>');
  });

  it('does not let the requester approve their own request (no link, 403 on the confirmation and on the form), but another operator can', async () => {
    made = await identityApp();
    const { app, h } = made;
    const id = await requestAsAlice(made);
    const asAlice = await (await app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.alice}` } })).text();
    expect(asAlice).toContain('requested by <strong>you</strong> (alice)');
    expect(asAlice).toContain('another operator must approve your request');
    expect(asAlice).not.toContain(`/ui/decisions/${id}/approve`);
    expect(asAlice).toContain(`/ui/decisions/${id}/reject`);
    const confirm = await app.request(`/ui/decisions/${id}/approve`, { headers: { Authorization: `Bearer ${PEOPLE.alice}` } });
    expect(confirm.status).toBe(403);
    expect(await confirm.text()).toContain('another operator must approve it (two-person rule)');
    const posted = await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(PEOPLE.alice), back: '/' }, PEOPLE.alice));
    expect(posted.status).toBe(403);
    expect((await h.store.getDecision(id))?.status).toBe('proposed');

    const asBob = await (await app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.bob}` } })).text();
    expect(asBob).toContain(`/ui/decisions/${id}/approve`);
    const done = await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(PEOPLE.bob), back: '/', reason: 'agreed' }, PEOPLE.bob));
    expect(done.status).toBe(303);
    expect(await h.store.getDecision(id)).toMatchObject({ status: 'approved', requestedBy: 'alice', approvedBy: 'bob' });
    expect((await h.store.listAudit({ limit: 100 })).find((a) => a.action === 'decision.approved')).toMatchObject({ actor: 'bob', details: { details: { reason: 'agreed' } } });
  });

  it('does not let the shared operator token approve a person\'s request (no link, 403), as the API does not', async () => {
    made = await identityApp();
    const { app, h } = made;
    const id = await requestAsAlice(made);
    const page = await (await app.request('/', { headers: { Authorization: `Bearer ${PEOPLE.operator}` } })).text();
    expect(page).toContain('a person requested it: approve with your own named token');
    expect(page).not.toContain(`/ui/decisions/${id}/approve`);
    expect(page).toContain(`/ui/decisions/${id}/reject`);
    expect((await app.request(`/ui/decisions/${id}/approve`, { headers: { Authorization: `Bearer ${PEOPLE.operator}` } })).status).toBe(403);
    const posted = await app.request(`/ui/decisions/${id}/approve`, form({ csrf: csrfTokenOf(PEOPLE.operator), back: '/' }, PEOPLE.operator));
    expect(posted.status).toBe(403);
    expect(await posted.text()).toContain('needs an approver with a named token');
    expect((await h.store.getDecision(id))?.status).toBe('proposed');
  });

  it('lets the requester reject (withdraw) their own request', async () => {
    made = await identityApp();
    const id = await requestAsAlice(made);
    const withdrawn = await made.app.request(`/ui/decisions/${id}/reject`, form({ csrf: csrfTokenOf(PEOPLE.alice), back: '/' }, PEOPLE.alice));
    expect(withdrawn.status).toBe(303);
    expect(await made.h.store.getDecision(id)).toMatchObject({ status: 'rejected', approvedBy: null });
  });

  it('signs a browser out when its token is removed from the tokens file (the cookie resolves through the table on every request)', async () => {
    made = await identityApp();
    const signedIn = await made.app.request('/ui/login', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: PEOPLE.alice, next: '/' }).toString() });
    expect(signedIn.headers.get('set-cookie')).toMatch(/HttpOnly/);
    const cookie = { Cookie: `shiftguard_session=${PEOPLE.alice}` };
    expect((await made.app.request('/', { headers: cookie })).status).toBe(200);
    made.setFile([tokenLine('bob', 'operator', PEOPLE.bob)]);
    const after = await made.app.request('/', { headers: cookie });
    expect(after.status).toBe(401);
    expect(await after.text()).toContain('<form method="post" action="/ui/login">');
    expect((await made.call('alice', 'GET', '/api/v1/decisions')).status).toBe(401);
  });
});
