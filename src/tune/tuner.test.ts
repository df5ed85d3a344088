import { afterEach, describe, expect, it } from 'vitest';
import { EAGER, GATE, T0, TUNED, testGuardrails, tunerHarness } from '../../test/support/tuner-harness.js';
import type { TunerHarness } from '../../test/support/tuner-harness.js';
import { ChangeRequestRequiredError, FlagStoreAuthError, FlagStoreUnavailableError } from '../flags/flag-store-error.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { DecisionRecord } from '../store/state-store.js';
import { parseProposal } from './decision-proposal.js';
import type { DecisionProposal } from './decision-proposal.js';
import { parseGuardrails } from './guardrails-config.js';
import { ABANDONED_RESTORE_MS } from './tuner.js';

const MIN = 60_000;
let h: TunerHarness | null = null;

afterEach(async () => {
  await h?.stop();
  h = null;
});

async function decisions(harness: TunerHarness): Promise<(DecisionRecord & { p: DecisionProposal })[]> {
  return (await harness.store.listDecisions()).map((d) => ({ ...d, p: parseProposal(d.proposal, d.id) }));
}

/** Past the verify window and the monitoring delay. */
function pastVerification(harness: TunerHarness): number {
  return harness.guardrails.limits.verifyWindowMs + harness.config.monitoring.delayMs + 1000;
}

describe('the gate rule', () => {
  it('disables the gate on its own, verifies the change and keeps it; the finding is then settled', async () => {
    h = await tunerHarness();
    const finding = await h.openRegression();
    await h.tuner.round();
    let [d] = await decisions(h);
    expect(d).toMatchObject({ flag: GATE, kind: 'toggle', status: 'verifying', requestedBy: 'tuner', approvedBy: 'guardrails', leaderEpoch: 1 });
    expect(d?.p).toMatchObject({ action: 'disable', automatic: true, mode: 'enforce', trigger: { findingId: finding.id, binary: 'dten-sync', statistic: { name: 'ratio', baseline: 0.09, after: 0.6 } } });
    expect(d?.p.summary).toContain('disable dten.sync.backoff-v2 (now on): retries {service=dten-sync, peer=partner} ratio 0.09 → 0.6 (+567%)');
    expect(d?.p.applied).toMatchObject({ atMs: T0, changed: true, reconciled: false, leaderEpoch: 1 });
    expect(d?.p.verification).toMatchObject({ changeMs: T0, untilMs: T0 + 10 * MIN, outcome: null });
    expect(h.flags.events(GATE)).toEqual([expect.objectContaining({ type: 'feature-environment-disabled', decisionId: d?.id, actor: 'shiftguard' })]);

    h.advance(5 * MIN);
    await h.tuner.round();
    expect(h.verifications).toEqual([]);
    h.advance(pastVerification(h));
    await h.tuner.round();
    [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'kept' });
    expect(d?.p.verification).toMatchObject({ outcome: 'better', summary: 'scripted: better' });
    expect(h.verifications).toEqual([{ decisionId: d?.id, flag: GATE, trigger: d?.p.trigger, beforeFromMs: T0 - 10 * MIN, changeMs: T0, untilMs: T0 + 10 * MIN }]);

    h.advance(60 * MIN);
    await h.tuner.round();
    expect(await decisions(h)).toHaveLength(1);
    expect(h.flags.events()).toHaveLength(1);
  });

  it('reverts a change that made things worse to the exact earlier value, and does not try that rule again for the finding', async () => {
    h = await tunerHarness();
    await h.openRegression();
    h.outcomes.push('worse');
    await h.tuner.round();
    h.advance(pastVerification(h));
    await h.tuner.round();
    const [d, next] = await decisions(h);
    expect(d).toMatchObject({ flag: GATE, status: 'reverted' });
    expect(d?.p.reverted).toMatchObject({ by: 'tuner', changed: true, reconciled: false });
    expect(h.flags.events(GATE).map((e) => e.type)).toEqual(['feature-environment-disabled', 'feature-environment-enabled']);
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(true);
    // The next rule waits one verify window after the revert, so its own verification starts clean.
    expect(next).toBeUndefined();
    expect(h.tuner.status().notActing).toEqual({ '1': expect.stringContaining(`settling after decision ${d?.id ?? ''}`) as string });
    const audit = (await h.store.listAudit({ limit: 100 })).filter((a) => a.subject === `decision/${d?.id}`).map((a) => a.action);
    expect(audit).toEqual(['decision.created', 'decision.applied', 'decision.verifying', 'decision.verifying', 'decision.reverted']);
  });

  it('goes on to tune the constants when disabling the gate was reverted, one bounded step at a time', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ cooldown: '15m' }) });
    await h.openRegression();
    h.outcomes.push('worse');
    await h.tuner.round();
    h.advance(pastVerification(h));
    await h.tuner.round();
    h.advance(10 * MIN);
    await h.tuner.round();
    const tune = (await decisions(h)).find((d) => d.flag === TUNED);
    expect(tune).toMatchObject({ kind: 'tune', status: 'verifying', approvedBy: 'guardrails' });
    const after = tune?.p.target.after.value as Record<string, number>;
    expect(tune?.p.target.before.value).toEqual(EAGER);
    for (const change of tune?.p.target.changes ?? []) {
      const bound = testGuardrails().rules.find((r) => r.flag === TUNED && r.kind === 'tune');
      expect(bound?.kind === 'tune' && bound.tune[change.key]).toBeTruthy();
      expect(after[change.key]).toBe(change.to);
    }
    expect(tune?.p.prediction?.predicted.retriesPerRequest).toBeLessThan(tune?.p.prediction?.current.retriesPerRequest ?? 0);
    const state = await h.flags.read(TUNED, undefined);
    expect(state.strategy?.variants[0]?.json).toEqual(after);
  });
});

describe('dry-run', () => {
  it('writes decisions and never changes a flag; they expire when the finding resolves', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ mode: 'dry-run' }) });
    const finding = await h.openRegression();
    await h.tuner.round();
    h.advance(pastVerification(h));
    await h.tuner.round();
    const listed = await decisions(h);
    let d = listed[0];
    expect(listed).toHaveLength(1);
    expect(d).toMatchObject({ flag: GATE, status: 'approved', approvedBy: 'guardrails' });
    expect(d?.p).toMatchObject({ mode: 'dry-run', automatic: true, applied: null });
    expect(h.flags.events()).toEqual([]);
    await h.store.resolveFinding(finding.id, h.now());
    await h.tuner.round();
    [d] = await decisions(h);
    expect(d?.status).toBe('expired');
    expect(h.flags.events()).toEqual([]);
  });
});

describe('kill switch and pending decisions', () => {
  it('under the kill switch decides but changes nothing; released, the approved decision is applied', async () => {
    h = await tunerHarness();
    await h.killSwitch.set(true, 'alice', 'incident 7');
    await h.openRegression();
    await h.tuner.round();
    expect(h.tuner.status().lastRound).toMatchObject({ outcome: 'killed' });
    expect((await decisions(h))[0]).toMatchObject({ status: 'approved' });
    expect(h.flags.events()).toEqual([]);
    await h.killSwitch.set(false, 'alice', null);
    await h.tuner.round();
    expect((await decisions(h))[0]).toMatchObject({ status: 'verifying' });
    expect(h.flags.events()).toHaveLength(1);
  });

  it('leaves a gate alone that is already where the rule leads (a human flipped it)', async () => {
    h = await tunerHarness();
    h.flags.setEnabled(GATE, false, 'bob');
    await h.openRegression();
    await h.tuner.round();
    expect((await decisions(h)).filter((d) => d.flag === GATE)).toEqual([]);
    expect(h.flags.events(GATE).map((e) => e.actor)).toEqual(['bob']);
  });

  it('a frozen flag gets a pending decision, applied once an operator approves it', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ tune: false }) });
    await h.store.putSetting({ key: `tuner.frozen/${GATE}`, value: { frozen: true, reason: 'frozen by a test' }, updatedAtMs: h.now(), updatedBy: 'alice' }, { atMs: h.now(), actor: 'alice', action: 'tuner.flag.frozen', subject: `flag/${GATE}`, details: {} });
    await h.openRegression();
    await h.tuner.round();
    const [d] = await decisions(h);
    expect(d).toMatchObject({ flag: GATE, status: 'proposed', approvedBy: null });
    expect(d?.p).toMatchObject({ action: 'disable', automatic: false, pendingReason: `${GATE} is frozen: frozen by a test` });
    expect(h.flags.events(GATE)).toEqual([]);
    await h.store.transitionDecision(d?.id ?? '', 'proposed', 'approved', { atMs: h.now(), actor: 'alice', approvedBy: 'alice' }, d?.version ?? 0);
    await h.tuner.round();
    expect((await decisions(h))[0]).toMatchObject({ status: 'verifying', approvedBy: 'alice' });
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(false);
  });

  it('a project that requires change requests turns the decision back into a pending one', async () => {
    const refusing = (inner: FlagStore): FlagStore => ({
      environment: inner.environment,
      readFlag: (flag, strategy) => inner.readFlag(flag, strategy),
      setEnabled: () => Promise.reject(new ChangeRequestRequiredError(GATE, 'change requests are enabled for production')),
      replaceVariantPayload: (request) => inner.replaceVariantPayload(request),
    });
    h = await tunerHarness({ flagStore: refusing });
    await h.openRegression();
    await h.tuner.round();
    const [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'proposed' });
    expect(d?.p.pendingReason).toContain('requires a change request');
  });
});

describe('flags no rule governs', () => {
  const HEDGING = 'dten.sync.hedging';

  it('proposes disabling a flag the upgrade names for the suspect binary, and acts only once an operator approves', async () => {
    // The only rule answers another binary's regressions.
    const guardrails = parseGuardrails(
      ['mode: enforce', 'unleash: { url: "http://127.0.0.1:4242/api", environment: production }', 'rules:', '  - flag: dten.gateway.hybrid', '    may: [disable]', '    when: { signal: latency, binary: dten-gateway }', 'limits: { cooldown: 15m, maxChangesPerDay: 6, verifyWindow: 10m }'].join('\n'),
      'test-guardrails.yaml',
    );
    h = await tunerHarness({ guardrails, upgradeFlags: [{ name: HEDGING, binary: 'dten-sync' }] });
    const finding = await h.openRegression();
    await h.tuner.round();
    let [d] = await decisions(h);
    expect(d).toMatchObject({ flag: HEDGING, kind: 'toggle', status: 'proposed', requestedBy: 'tuner', approvedBy: null });
    expect(d?.p).toMatchObject({ action: 'disable', automatic: false, trigger: { findingId: finding.id } });
    expect(d?.p.pendingReason).toBe(`no guardrails rule lets the tuner change ${HEDGING} on its own; the upgrade names it for dten-sync`);
    h.advance(MIN);
    await h.tuner.round();
    expect(h.flags.events()).toEqual([]);
    expect(await decisions(h)).toHaveLength(1);

    await h.store.transitionDecision(d?.id ?? '', 'proposed', 'approved', { atMs: h.now(), actor: 'operator', approvedBy: 'operator' }, d?.version ?? 0);
    await h.tuner.round();
    [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'verifying', approvedBy: 'operator' });
    expect(h.flags.events(HEDGING)).toEqual([expect.objectContaining({ type: 'feature-environment-disabled', decisionId: d?.id })]);
  });

  it('leaves alone flags of other binaries and flags a rule governs', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ tune: false }), upgradeFlags: [{ name: 'dten.gateway.hybrid', binary: 'dten-gateway' }, { name: GATE, binary: 'dten-sync' }] });
    await h.openRegression();
    await h.tuner.round();
    const all = await decisions(h);
    expect(all.map((d) => [d.flag, d.status, d.p.automatic])).toEqual([[GATE, 'verifying', true]]);
  });
});

describe('failures of the flag service', () => {
  it('an outage changes nothing and raises an alert; on recovery the flag is read again before acting', async () => {
    h = await tunerHarness();
    await h.openRegression();
    h.flags.setOutage(new FlagStoreUnavailableError('read flag dten.sync.backoff-v2: connect ECONNREFUSED 127.0.0.1:4242', 4));
    await h.tuner.round();
    expect(h.tuner.status().lastRound).toMatchObject({ outcome: 'outage' });
    expect([...h.alerts.keys()]).toEqual(['ShiftguardUnleashUnavailable/']);
    expect(await decisions(h)).toEqual([]);
    // Meanwhile someone turned the gate off by hand: the tuner must see that, not act on stale state.
    h.flags.setOutage(null);
    h.flags.setEnabled(GATE, false, 'bob');
    await h.tuner.round();
    expect(h.alerts.size).toBe(0);
    expect((await decisions(h)).filter((d) => d.flag === GATE)).toEqual([]);
    expect(h.flags.events(GATE).map((e) => e.actor)).toEqual(['bob']);
  });

  it('a refused token stops the tuner with a critical alert until it works again', async () => {
    h = await tunerHarness();
    await h.openRegression();
    h.flags.setOutage(new FlagStoreAuthError(401, 'read flag dten.sync.backoff-v2: 401 invalid token'));
    await h.tuner.round();
    expect(h.alerts.get('ShiftguardUnleashAuthRefused/')).toMatchObject({ severity: 'critical' });
    expect(h.tuner.status().lastRound).toMatchObject({ outcome: 'auth' });
    h.flags.setOutage(null);
    await h.tuner.round();
    expect(h.alerts.size).toBe(0);
    expect((await decisions(h))[0]).toMatchObject({ status: 'verifying' });
  });

  it('a flag changed by someone else between plan and write fails the decision instead of overwriting it', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ gate: false }) });
    await h.killSwitch.set(true, 'alice', null);
    await h.openRegression();
    await h.tuner.round();
    expect((await decisions(h))[0]).toMatchObject({ flag: TUNED, status: 'approved' });
    h.flags.setPayloadText(TUNED, 'constants', JSON.stringify({ ...EAGER, baseDelayMs: 75 }), { actor: 'bob' });
    await h.killSwitch.set(false, 'alice', null);
    await h.tuner.round();
    const [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'failed' });
    expect(d?.p.failure?.message).toContain('"baseDelayMs":75');
    expect(h.flags.events(TUNED).map((e) => e.actor)).toEqual(['bob']);
  });
});

describe('restarts', () => {
  it('an approved decision found already applied (crash after the write) is recorded, not written again', async () => {
    h = await tunerHarness();
    await h.killSwitch.set(true, 'alice', null);
    await h.openRegression();
    await h.tuner.round();
    const [approved] = await decisions(h);
    // What the crashed process wrote just before dying, attributed to its decision.
    h.flags.applyEnabled(GATE, false, 'shiftguard', approved?.id ?? null);
    await h.killSwitch.set(false, 'alice', null);
    await h.tuner.round();
    const [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'verifying' });
    expect(d?.p.applied).toMatchObject({ changed: false, reconciled: true, eventId: null });
    expect(h.flags.events(GATE)).toHaveLength(1);
  });

  it('leaves a rollback request its restore decision (never writes it too), and expires one the request abandoned', async () => {
    h = await tunerHarness();
    await h.openRegression();
    await h.tuner.round();
    h.advance(pastVerification(h));
    await h.tuner.round();
    const [applied] = await decisions(h);
    expect(applied).toMatchObject({ status: 'kept' });
    h.advance(h.guardrails.limits.cooldownMs);
    const p = applied?.p as DecisionProposal;
    // What the rollback route writes first, before it calls the flag service itself.
    const restore = await h.store.createDecision({
      upgradeId: 'dten-1',
      flag: GATE,
      kind: 'toggle',
      proposal: { ...p, action: 'restore', automatic: false, trigger: null, prediction: null, applied: null, verification: null, rollbackOf: [applied?.id ?? ''], target: { ...p.target, before: p.target.after, after: p.target.before, changes: [] } },
      status: 'approved',
      requestedBy: 'operator',
      approvedBy: 'operator',
      leaderEpoch: 1,
      atMs: h.now(),
    });
    await h.tuner.round();
    expect(await h.store.getDecision(restore.id)).toMatchObject({ status: 'approved' });
    expect(h.flags.events(GATE)).toHaveLength(1);

    h.advance(ABANDONED_RESTORE_MS + 1000);
    await h.tuner.round();
    expect(await h.store.getDecision(restore.id)).toMatchObject({ status: 'expired' });
    expect(h.flags.events(GATE)).toHaveLength(1);
  });

  it('a revert interrupted after its verdict was written resumes with the revert, once', async () => {
    h = await tunerHarness();
    await h.openRegression();
    h.outcomes.push('worse');
    await h.tuner.round();
    await h.killSwitch.set(true, 'alice', null);
    h.advance(pastVerification(h));
    await h.tuner.round();
    let [d] = await decisions(h);
    // Killed: the verdict is judged and written, the revert waits.
    expect(d).toMatchObject({ status: 'verifying' });
    expect(d?.p.verification?.outcome).toBe('worse');
    await h.killSwitch.set(false, 'alice', null);
    await h.tuner.round();
    await h.tuner.round();
    [d] = await decisions(h);
    expect(d).toMatchObject({ status: 'reverted' });
    expect(h.flags.events(GATE).map((e) => e.type)).toEqual(['feature-environment-disabled', 'feature-environment-enabled']);
    expect(h.verifications).toHaveLength(1);
  });
});

describe('freezing', () => {
  it('three automatic reverts in a row freeze the flag and alert; unfreezing starts the count over', async () => {
    h = await tunerHarness({ guardrails: testGuardrails({ cooldown: '1m', maxChangesPerDay: 20, tune: false }) });
    for (const peer of ['a', 'b', 'c']) {
      await h.openRegression(peer);
      h.outcomes.push('worse');
      await h.tuner.round();
      h.advance(pastVerification(h));
      await h.tuner.round();
      h.advance(2 * MIN);
    }
    const gate = (await decisions(h)).filter((d) => d.flag === GATE);
    expect(gate.map((d) => d.status)).toEqual(['reverted', 'reverted', 'reverted']);
    expect(h.alerts.get(`ShiftguardFlagFrozen/${GATE}`)).toMatchObject({ severity: 'critical', labels: { flag: GATE } });
    expect((await h.tuner.frozenFlags()).map((f) => f.flag)).toEqual([GATE]);

    // Frozen: a new regression gets a pending proposal for the gate, never an automatic change.
    await h.openRegression('d');
    await h.tuner.round();
    const pending = (await decisions(h)).filter((d) => d.flag === GATE && d.status === 'proposed');
    expect(pending).toHaveLength(1);
    expect(pending[0]?.p.pendingReason).toContain('frozen: 3 automatic reverts in a row');
    const writes = h.flags.events(GATE).length;
    await h.tuner.round();
    expect(h.flags.events(GATE)).toHaveLength(writes);

    await h.tuner.unfreeze(GATE, 'alice');
    expect(h.alerts.has(`ShiftguardFlagFrozen/${GATE}`)).toBe(false);
    expect(await h.tuner.frozenFlags()).toEqual([]);
    expect((await h.store.listAudit({ limit: 1000 })).map((a) => a.action)).toEqual(expect.arrayContaining(['tuner.flag.frozen', 'tuner.flag.unfrozen']));
  });
});

describe('leadership', () => {
  it('does nothing while not leading, and a deposed leader cannot write', async () => {
    h = await tunerHarness();
    await h.openRegression();
    // Another replica claims a newer term: this one's writes are fenced.
    await h.store.claimLeaderTerm('other-replica', h.now());
    await h.tuner.round();
    expect(h.tuner.status().lastRound).toMatchObject({ outcome: 'not_leader' });
    expect(h.flags.events()).toEqual([]);
    await h.elector.stop();
    await h.tuner.round();
    expect(await decisions(h)).toEqual([]);
  });
});
