import { afterEach, describe, expect, it } from 'vitest';
import { EAGER, GATE, TUNED } from '../../../test/support/tuner-harness.js';
import { UNGOVERNED, identityApp } from '../../../test/support/identity-app.js';
import type { IdentityApp } from '../../../test/support/identity-app.js';
import { parseProposal } from '../../tune/decision-proposal.js';
import { NOT_CARRIED_OUT } from '../../tune/decision-proposal.js';

let made: IdentityApp | null = null;
afterEach(async () => {
  await made?.h.stop();
  made = null;
});

const UPGRADE = 'dten-1';
type Body = Record<string, unknown>;
const json = async (response: Response): Promise<Body> => (await response.json()) as Body;
const errorOf = async (response: Response): Promise<{ code: string; message: string }> => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('POST /api/v1/decisions: an operator requests a flag change', () => {
  it('becomes a proposed decision requested by that person; they cannot approve it, another operator can, and the tuner carries it out, verifies and reverts it', async () => {
    made = await identityApp();
    const { call, h } = made;
    const requested = await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'retries doubled after the upgrade' });
    expect(requested.status).toBe(201);
    const d = await json(requested);
    expect(d).toMatchObject({ upgrade: UPGRADE, flag: GATE, kind: 'toggle', status: 'proposed', requestedBy: 'alice', approvedBy: null, version: 1 });
    expect(d['proposal']).toMatchObject({
      action: 'disable',
      automatic: false,
      mode: 'enforce',
      summary: `disable ${GATE} (now on): requested by alice: retries doubled after the upgrade`,
      pendingReason: 'requested by alice; another operator must approve it (two-person rule)',
      target: { flag: GATE, before: { kind: 'enabled', value: true }, after: { kind: 'enabled', value: false } },
    });
    const id = String(d['id']);

    const self = await call('alice', 'POST', `/api/v1/decisions/${id}/approve`, { reason: 'me' });
    expect(self.status).toBe(403);
    expect(await errorOf(self)).toMatchObject({ code: 'self_approval' });
    expect((await h.store.getDecision(id))?.status).toBe('proposed');

    const approved = await call('bob', 'POST', `/api/v1/decisions/${id}/approve`, { reason: 'seen the plots' });
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({ status: 'approved', requestedBy: 'alice', approvedBy: 'bob' });
    const audit = (await h.store.listAudit({ limit: 100 })).filter((a) => a.subject === `decision/${id}`);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([['decision.created', 'alice'], ['decision.approved', 'bob']]);

    // The tuner applies the approved request like one of its own, and verification judges it.
    h.outcomes.push('worse');
    await h.tuner.round();
    expect(h.flags.events(GATE)).toEqual([expect.objectContaining({ type: 'feature-environment-disabled', decisionId: id })]);
    expect((await h.store.getDecision(id))?.status).toBe('verifying');
    h.advance(h.guardrails.limits.verifyWindowMs + h.config.monitoring.delayMs + 1000);
    await h.tuner.round();
    const done = await h.store.getDecision(id);
    expect(done?.status).toBe('reverted');
    expect(parseProposal(done?.proposal, id).reverted).toMatchObject({ by: 'tuner', changed: true });
    expect(h.verifications).toEqual([expect.objectContaining({ decisionId: id, flag: GATE, trigger: null })]);
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(true);
  });

  it('tunes constants within the guardrails: one bounded step, the rest of the payload kept', async () => {
    made = await identityApp();
    const { call, h } = made;
    const requested = await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: TUNED, action: 'tune', values: { baseDelayMs: 62, maxRetries: 3 }, reason: 'calmer retries' });
    expect(requested.status).toBe(201);
    const d = await json(requested);
    expect(d).toMatchObject({ kind: 'tune', requestedBy: 'alice' });
    expect(d['proposal']).toMatchObject({
      summary: `tune ${TUNED}: baseDelayMs 50 → 62, maxRetries 5 → 3: requested by alice: calmer retries`,
      target: { before: { kind: 'payload', value: EAGER }, after: { kind: 'payload', value: { ...EAGER, baseDelayMs: 62, maxRetries: 3 } } },
    });
    expect((await call('bob', 'POST', `/api/v1/decisions/${String(d['id'])}/approve`)).status).toBe(200);
    await h.tuner.round();
    expect((await h.flags.read(TUNED, undefined)).strategy?.variants[0]?.json).toEqual({ ...EAGER, baseDelayMs: 62, maxRetries: 3 });
    expect((await h.store.getDecision(String(d['id'])))?.approvedBy).toBe('bob');
  });

  it('refuses what the guardrails do not allow with 422, naming each field', async () => {
    made = await identityApp();
    const { call, h } = made;
    const refusal = async (body: Body): Promise<string> => {
      const response = await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, reason: 'test', ...body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      const error = await errorOf(response);
      expect(error.code).toBe('guardrails_refused');
      return error.message;
    };
    expect(await refusal({ flag: TUNED, action: 'tune', values: { baseDelayMs: 500 } })).toBe("values.baseDelayMs: 500 is outside the guardrails' bounds [50, 400]");
    expect(await refusal({ flag: TUNED, action: 'tune', values: { baseDelayMs: 63 } })).toBe('values.baseDelayMs: 50 → 63 is a larger move than maxStep 0.25 allows in one change (at most 12 from 50)');
    expect(await refusal({ flag: TUNED, action: 'tune', values: { multiplier: 2, maxRetries: 4.5, jitterMs: 3 } })).toBe(
      [
        'values.multiplier: 1.5 → 2 is a larger move than maxStep 0.25 allows in one change (at most 0.375 from 1.5)',
        'values.maxRetries: maxRetries is a whole number (now 5); got 4.5',
        `values.jitterMs: the guardrails bound no constant jitterMs of ${TUNED} (bounded: baseDelayMs, multiplier, maxDelayMs, maxRetries)`,
      ].join('; '),
    );
    expect(await refusal({ flag: TUNED, action: 'tune', values: { baseDelayMs: 50 } })).toBe('values: every value equals the current one: nothing to change');
    expect(await refusal({ flag: GATE, action: 'tune', values: { baseDelayMs: 60 } })).toBe(`action: ${GATE} has no \`tune\` rule in the guardrails: only disable or enable may be requested for it`);
    expect(await refusal({ flag: UNGOVERNED, action: 'tune', values: { baseDelayMs: 60 } })).toContain('action: ');
    expect(await refusal({ flag: 'payments.kill', action: 'disable' })).toBe(`flag: payments.kill has no guardrails rule and upgrade ${UPGRADE} does not name it: shiftguard changes only flags it governs or the upgrade names`);
    expect(await refusal({ flag: GATE, action: 'enable' })).toBe(`action: ${GATE} is already on`);
    expect(await h.store.listDecisions()).toEqual([]);

    // A flag the upgrade names but no rule governs may be disabled (by request, never on its own).
    expect((await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: UNGOVERNED, action: 'disable', reason: 'test' })).status).toBe(201);
    // One open decision per flag.
    const twice = await call('bob', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: UNGOVERNED, action: 'disable', reason: 'again' });
    expect(twice.status).toBe(409);
    expect((await errorOf(twice)).message).toContain('decision 1 on dten.sync.hybrid is proposed');
  });

  it('accepts a request on a flag a rollback restored (the restore holds the flag no longer)', async () => {
    made = await identityApp();
    const { call, h } = made;
    await h.openRegression();
    await h.tuner.round();
    expect((await call('bob', 'POST', `/api/v1/upgrades/${UPGRADE}/rollback`)).status).toBe(200);
    const requested = await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'after all' });
    expect(requested.status).toBe(201);
    const id = String((await json(requested))['id']);
    expect((await call('bob', 'POST', `/api/v1/decisions/${id}/approve`)).status).toBe(200);
    h.advance(16 * 60_000); // past the cooldown after the restore's write
    await h.tuner.round();
    expect((await h.store.getDecision(id))?.status).toBe('verifying');
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(false);
  });

  it('answers 400 for a malformed body, 404 for an unknown upgrade, 401/403 without an operator token', async () => {
    made = await identityApp();
    const { call } = made;
    const bad = async (body: Body): Promise<string> => {
      const response = await call('alice', 'POST', '/api/v1/decisions', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      return (await errorOf(response)).message;
    };
    expect(await bad({ upgrade: UPGRADE, flag: TUNED, action: 'tune', reason: 'x' })).toContain('values: a tune request needs the target value of at least one constant');
    expect(await bad({ upgrade: UPGRADE, flag: GATE, action: 'disable', values: { a: 1 }, reason: 'x' })).toContain('values: only a tune request carries values');
    expect(await bad({ upgrade: UPGRADE, flag: GATE, action: 'disable' })).toContain('reason');
    expect(await bad({ upgrade: UPGRADE, flag: GATE, action: 'restore', reason: 'x' })).toContain('action');
    expect((await call('alice', 'POST', '/api/v1/decisions', { upgrade: 'nope', flag: GATE, action: 'disable', reason: 'x' })).status).toBe(404);
    expect((await call('vera', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'x' })).status).toBe(403);
    expect((await call(null, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'x' })).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    made = await identityApp();
    const doc = (await (await made.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths['/api/v1/decisions'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/decisions']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '409', '422']));
    expect(doc.components.schemas).toHaveProperty('DecisionRequest');
  });
});

describe('who did it: every write records the token holder', () => {
  it('names the person in audit rows, decisions, the kill switch, unfreezes and rollbacks; env role tokens keep the role as their name', async () => {
    made = await identityApp();
    const { call, h } = made;
    const upgrade = { id: 'u-2', startedAt: '2026-04-10T11:00:00Z', binaries: [{ name: 'dten-sync', from: '1', to: '2' }] };
    expect((await call('alice', 'POST', '/api/v1/upgrades', upgrade)).status).toBe(201);
    expect((await call('bob', 'PUT', '/api/v1/tuner/kill-switch', { engaged: true, reason: 'incident 7' })).status).toBe(200);
    expect(await json(await call('vera', 'GET', '/api/v1/tuner/kill-switch'))).toMatchObject({ engaged: true, api: { updatedBy: 'bob' } });
    expect((await call('operator', 'PUT', '/api/v1/tuner/kill-switch', { engaged: false })).status).toBe(200);
    expect((await call('alice', 'POST', `/api/v1/tuner/flags/${GATE}/unfreeze`)).status).toBe(200);

    // A tuner decision: any operator may approve it, the approver is recorded.
    await h.openRegression();
    await h.tuner.round();
    const [applied] = await h.store.listDecisions();
    expect(applied).toMatchObject({ flag: GATE, requestedBy: 'tuner', approvedBy: 'guardrails' });
    const rolledBack = await call('alice', 'POST', `/api/v1/upgrades/${UPGRADE}/rollback`);
    expect(rolledBack.status).toBe(200);
    const restore = (await h.store.listDecisions()).find((d) => parseProposal(d.proposal, d.id).action === 'restore');
    expect(restore).toMatchObject({ requestedBy: 'alice', approvedBy: 'alice', status: 'applied' });

    const actors = (await h.store.listAudit({ limit: 100 })).map((a) => `${a.action} ${a.actor}`);
    expect(actors).toEqual(
      expect.arrayContaining([
        'upgrade.registered alice',
        'tuner.kill_switch.engaged bob',
        'tuner.kill_switch.released operator',
        'tuner.flag.unfrozen alice',
        `decision.created alice`,
        `decision.applied alice`,
      ]),
    );
  });

  it('lets any operator approve what the tuner requested', async () => {
    made = await identityApp();
    const { call, h } = made;
    const pending = await h.store.createDecision({
      upgradeId: UPGRADE,
      flag: UNGOVERNED,
      kind: 'toggle',
      proposal: pendingToggle(UNGOVERNED),
      status: 'proposed',
      requestedBy: 'tuner',
      approvedBy: null,
      leaderEpoch: 1,
      atMs: h.now(),
    });
    const answer = await call('alice', 'POST', `/api/v1/decisions/${pending.id}/approve`);
    expect(answer.status).toBe(200);
    expect(await json(answer)).toMatchObject({ requestedBy: 'tuner', approvedBy: 'alice' });
  });

  // The environment's operator token names a role, not a person: alice could hold it as well as her
  // own token, and would then count as two people.
  it('never counts the shared operator token from the environment as a person: it can neither request a change nor approve one a person requested, and still approves the tuner\'s', async () => {
    made = await identityApp();
    const { call, h } = made;
    const shared = await call('operator', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'r' });
    expect(shared.status).toBe(403);
    expect(await errorOf(shared)).toMatchObject({ code: 'named_token_required', message: expect.stringContaining('needs a named token (tokens file)') as unknown });
    expect(await h.store.listDecisions({})).toEqual([]);

    const requested = await json(await call('alice', 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'r' }));
    const bySharedToken = await call('operator', 'POST', `/api/v1/decisions/${String(requested['id'])}/approve`);
    expect(bySharedToken.status).toBe(403);
    expect(await errorOf(bySharedToken)).toMatchObject({ code: 'named_token_required', message: expect.stringContaining('alice may hold it too') as unknown });
    expect((await h.store.getDecision(String(requested['id'])))?.status).toBe('proposed');
    // Rejecting needs no second person: the shared token may still stop a change.
    expect((await call('operator', 'POST', `/api/v1/decisions/${String(requested['id'])}/reject`)).status).toBe(200);

    const tunerRequest = await h.store.createDecision({
      upgradeId: UPGRADE, flag: UNGOVERNED, kind: 'toggle', proposal: pendingToggle(UNGOVERNED), status: 'proposed', requestedBy: 'tuner', approvedBy: null, leaderEpoch: 1, atMs: h.now(),
    });
    const approved = await call('operator', 'POST', `/api/v1/decisions/${tunerRequest.id}/approve`);
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({ requestedBy: 'tuner', approvedBy: 'operator' });
  });
});

function pendingToggle(flag: string): unknown {
  return {
    action: 'disable',
    summary: `disable ${flag}`,
    mode: 'enforce',
    automatic: false,
    pendingReason: 'no guardrails rule',
    trigger: null,
    target: { flag, strategyTitle: null, variant: null, before: { kind: 'enabled', value: true }, after: { kind: 'enabled', value: false }, changes: [] },
    prediction: null,
    rollbackOf: null,
    ...NOT_CARRIED_OUT,
  };
}
