/**
 * Mass assignment: fields a client must never set (status, approver, requester, bounds, leader epoch,
 * version, id) are refused on every write route with 400 naming the key, and nothing changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GATE, TUNED } from '../../test/support/tuner-harness.js';
import { PEOPLE, identityApp } from '../../test/support/identity-app.js';
import type { IdentityApp } from '../../test/support/identity-app.js';
import { csrfTokenOf } from './review/review-session.js';

let made: IdentityApp | null = null;
afterEach(async () => {
  await made?.h.stop();
  made = null;
});

const FORBIDDEN: Readonly<Record<string, unknown>> = {
  status: 'approved',
  approvedBy: 'mallory',
  requestedBy: 'tuner',
  bounds: { min: 0, max: 1e9 },
  leaderEpoch: 999,
  version: 99,
  id: '999',
};

/** Every write route with a body it accepts, and where it would take the field. */
function writeRoutes(decisionId: string): { name: string; method: string; path: string; body: Record<string, unknown>; skip?: readonly string[] }[] {
  return [
    // `id` is upgrade.json's own field there.
    { name: 'register upgrade', method: 'POST', path: '/api/v1/upgrades', body: { id: 'u-9', startedAt: '2026-04-10T11:00:00Z', binaries: [{ name: 'dten-sync' }] }, skip: ['id'] },
    { name: 'approve', method: 'POST', path: `/api/v1/decisions/${decisionId}/approve`, body: { reason: 'ok' } },
    { name: 'reject', method: 'POST', path: `/api/v1/decisions/${decisionId}/reject`, body: { reason: 'no' } },
    { name: 'request decision', method: 'POST', path: '/api/v1/decisions', body: { upgrade: 'dten-1', flag: TUNED, action: 'tune', values: { baseDelayMs: 60 }, reason: 'r' } },
    { name: 'kill switch', method: 'PUT', path: '/api/v1/tuner/kill-switch', body: { engaged: true, reason: 'r' } },
    { name: 'rollback', method: 'POST', path: '/api/v1/upgrades/dten-1/rollback', body: {} },
    { name: 'unfreeze', method: 'POST', path: `/api/v1/tuner/flags/${GATE}/unfreeze`, body: {} },
  ];
}

describe('mass assignment', () => {
  it('refuses status, approvedBy, requestedBy, bounds, leaderEpoch, version and id on every write route (400 naming the key), changing nothing', async () => {
    made = await identityApp();
    const { call, h } = made;
    const pending = await call('alice', 'POST', '/api/v1/decisions', { upgrade: 'dten-1', flag: GATE, action: 'disable', reason: 'pending' });
    expect(pending.status).toBe(201);
    const decisionId = String(((await pending.json()) as { id: string }).id);
    const snapshot = async (): Promise<unknown> => ({
      decisions: await h.store.listDecisions(),
      audit: await h.store.listAudit({ limit: 1000 }),
      upgrades: await h.store.listUpgrades(),
      killSwitch: await h.killSwitch.state(),
      flags: h.flags.events(),
    });
    const before = await snapshot();
    const answers: string[] = [];
    for (const route of writeRoutes(decisionId)) {
      for (const [field, value] of Object.entries(FORBIDDEN)) {
        if (route.skip?.includes(field)) continue;
        const response = await call('bob', route.method, route.path, { ...route.body, [field]: value });
        const message = ((await response.json()) as { error?: { message?: string } }).error?.message ?? '';
        answers.push(`${route.name} ${field}: ${response.status} ${message.includes(`unknown key "${field}"`) ? 'names it' : message}`);
      }
    }
    const expected = writeRoutes(decisionId).flatMap((route) => Object.keys(FORBIDDEN).filter((f) => !route.skip?.includes(f)).map((field) => `${route.name} ${field}: 400 names it`));
    expect(answers).toEqual(expected);
    expect(await snapshot()).toEqual(before);
  });

  it('ignores any such field in a review-page form: the approver is always the signed-in person', async () => {
    made = await identityApp();
    const { app, call, h } = made;
    const pending = await call('alice', 'POST', '/api/v1/decisions', { upgrade: 'dten-1', flag: GATE, action: 'disable', reason: 'pending' });
    const id = String(((await pending.json()) as { id: string }).id);
    const form = new URLSearchParams({ csrf: csrfTokenOf(PEOPLE.bob), back: '/', approvedBy: 'mallory', requestedBy: 'tuner', status: 'kept', version: '9' });
    const done = await app.request(`/ui/decisions/${id}/approve`, { method: 'POST', headers: { Authorization: `Bearer ${PEOPLE.bob}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(done.status).toBe(303);
    expect(await h.store.getDecision(id)).toMatchObject({ status: 'approved', requestedBy: 'alice', approvedBy: 'bob', version: 2 });
  });
});
