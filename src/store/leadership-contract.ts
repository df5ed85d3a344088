/**
 * Contract suite, part 4: leadership terms and the fencing of decision writes by leader epoch (see
 * `state-store-contract.ts`). The race test reads commit order off the audit log, whose seqs every
 * adapter allocates in commit order.
 */
import { describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from './contract-fixtures.js';
import type { ContractContext } from './state-store-contract.js';
import { StoreFencedError } from './store-error.js';
import type { AuditEntry, StateStore } from './state-store.js';

/** Registers the leadership and fencing tests. */
export function describeLeadershipContract(context: ContractContext): void {
  describeTermContract(context);
  describeFencingContract(context);
  describeRaceContract(context);
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then((value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`), (error: unknown) => error);
}

function describeTermContract(context: ContractContext): void {
  describe('leadership terms', () => {
    it('numbers terms 1, 2, 3 across stores and reopen, each audited as leader.elected in the same write', async () => {
      const [a, b] = [await context.openStore(), await context.openStore()];
      expect(await a.currentLeaderTerm()).toBeNull();
      expect(await a.claimLeaderTerm('host-a/101/u1', T0)).toEqual({ epoch: 1, holder: 'host-a/101/u1', claimedAtMs: T0 });
      expect(await b.currentLeaderTerm()).toEqual({ epoch: 1, holder: 'host-a/101/u1', claimedAtMs: T0 });
      expect(await b.claimLeaderTerm('host-b/202/u2', T0 + 10)).toEqual({ epoch: 2, holder: 'host-b/202/u2', claimedAtMs: T0 + 10 });
      await a.close();
      await a.open();
      expect(await a.claimLeaderTerm('host-a/101/u1', T0 + 20)).toMatchObject({ epoch: 3 });
      expect(await b.currentLeaderTerm()).toEqual({ epoch: 3, holder: 'host-a/101/u1', claimedAtMs: T0 + 20 });
      const audit = await b.listAudit({ limit: 10 });
      expect(audit.map(({ atMs, actor, action, subject, details }) => ({ atMs, actor, action, subject, details }))).toEqual([
        { atMs: T0, actor: 'host-a/101/u1', action: 'leader.elected', subject: 'leader/1', details: { holder: 'host-a/101/u1', previous: null } },
        { atMs: T0 + 10, actor: 'host-b/202/u2', action: 'leader.elected', subject: 'leader/2', details: { holder: 'host-b/202/u2', previous: 1 } },
        { atMs: T0 + 20, actor: 'host-a/101/u1', action: 'leader.elected', subject: 'leader/3', details: { holder: 'host-a/101/u1', previous: 2 } },
      ]);
    });

    it('refuses a claim without holder or with a bad time, writing nothing', async () => {
      const store = await context.openStore();
      await expect(store.claimLeaderTerm('', T0)).rejects.toThrow('holder: expected a non-empty string, got ""');
      await expect(store.claimLeaderTerm('nul\u0000', T0)).rejects.toMatchObject({ code: 'invalid_record' });
      await expect(store.claimLeaderTerm('host-a', -1)).rejects.toThrow('atMs: expected epoch milliseconds');
      expect(await store.currentLeaderTerm()).toBeNull();
      expect(await store.listAudit({ limit: 10 })).toEqual([]);
      expect(await store.claimLeaderTerm('host-a', T0)).toMatchObject({ epoch: 1 });
    });
  });
}

function describeFencingContract(context: ContractContext): void {
  describe('fencing decision writes by leader epoch', () => {
    it('creates decisions of any epoch before the first term, then refuses epochs older than the newest, writing nothing', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const early = await store.createDecision(decisionInput('u1', { leaderEpoch: 0 }));
      await store.claimLeaderTerm('host-a', T0 + 1);
      await store.claimLeaderTerm('host-b', T0 + 2);
      const before = { decisions: await store.listDecisions(), audit: await store.listAudit({ limit: 100 }) };
      const error = await rejection(store.createDecision(decisionInput('u1', { leaderEpoch: 1 })));
      expect(error).toBeInstanceOf(StoreFencedError);
      expect(error).toMatchObject({
        code: 'stale_leader', staleEpoch: 1, currentEpoch: 2,
        message: 'new decision on flag "dten.sync.backoff" of upgrade "u1": written by leader epoch 1, but epoch 2 leads now',
      });
      await expect(store.createDecision(decisionInput('u1', { leaderEpoch: 0, status: 'approved', approvedBy: 'guardrails' }))).rejects.toBeInstanceOf(StoreFencedError);
      expect(await store.listDecisions()).toEqual(before.decisions);
      expect(await store.listAudit({ limit: 100 })).toEqual(before.audit);
      expect(before.decisions).toEqual([early]);
      const current = await store.createDecision(decisionInput('u1', { leaderEpoch: 2 }));
      expect(current).toMatchObject({ leaderEpoch: 2, version: 1 });
    });

    it('refuses a transition carrying an older epoch, writing nothing, and never fences an operator', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.claimLeaderTerm('host-a', T0);
      const created = await store.createDecision(decisionInput('u1', { leaderEpoch: 1 }));
      await store.claimLeaderTerm('host-b', T0 + 1);
      const auditBefore = await store.listAudit({ limit: 100 });
      const stale = { atMs: T0 + 5, actor: 'tuner', approvedBy: 'guardrails', leaderEpoch: 1 };
      await expect(store.transitionDecision(created.id, 'proposed', 'approved', stale, 1))
        .rejects.toThrow(`decision ${created.id}: written by leader epoch 1, but epoch 2 leads now`);
      await expect(store.transitionDecision(created.id, 'proposed', 'approved', stale, 1)).rejects.toMatchObject({ code: 'stale_leader' });
      expect(await store.getDecision(created.id)).toEqual(created);
      expect(await store.listAudit({ limit: 100 })).toEqual(auditBefore);

      const approved = await store.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 6, actor: 'alice', approvedBy: 'alice' }, 1);
      expect(approved).toMatchObject({ status: 'approved', approvedBy: 'alice', leaderEpoch: 1, version: 2 });
      const applied = await store.transitionDecision(created.id, 'approved', 'applied', { atMs: T0 + 7, actor: 'tuner', leaderEpoch: 2 }, 2);
      expect(applied).toMatchObject({ status: 'applied', leaderEpoch: 2, version: 3 });
      const rejected = await store.createDecision(decisionInput('u1', { leaderEpoch: 2 }));
      await store.claimLeaderTerm('host-c', T0 + 8);
      expect(await store.transitionDecision(rejected.id, 'proposed', 'rejected', { atMs: T0 + 9, actor: 'bob' }, 1)).toMatchObject({ status: 'rejected', leaderEpoch: 2 });
    });
  });
}

/** The epoch a `leader.elected` row names, or null for other rows. */
function electedEpoch(entry: AuditEntry): number | null {
  return entry.action === 'leader.elected' ? Number(entry.subject.slice('leader/'.length)) : null;
}

/** Writes as a leader would: reads the newest epoch, then creates and approves a decision with it. */
async function leaderWrites(store: StateStore, rounds: number): Promise<{ written: number; fenced: number }> {
  let written = 0;
  let fenced = 0;
  for (let i = 0; i < rounds; i++) {
    const epoch = (await store.currentLeaderTerm())?.epoch ?? 0;
    try {
      const created = await store.createDecision(decisionInput('u1', { leaderEpoch: epoch, atMs: T0 + i }));
      written++;
      await store.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + i, actor: 'tuner', approvedBy: 'guardrails', leaderEpoch: epoch }, 1);
      written++;
    } catch (error) {
      if (!(error instanceof StoreFencedError)) throw error;
      fenced++;
    }
  }
  return { written, fenced };
}

function describeRaceContract(context: ContractContext): void {
  describe('term claims racing fenced writes', () => {
    it('never lets a write of an older epoch commit after a newer term was claimed', async () => {
      const [claimer, writerA, writerB] = [await context.openStore(), await context.openStore(), await context.openStore()];
      await claimer.putUpgrade(upgradeRecord('u1', T0));
      // A read between claims leaves the writers room to commit within a term, not only to be fenced.
      const claims = async (): Promise<void> => {
        for (let i = 0; i < 15; i++) {
          await claimer.claimLeaderTerm(`host-${i % 3}`, T0 + i);
          await claimer.currentLeaderTerm();
        }
      };
      const [, ...writers] = await Promise.all([claims(), leaderWrites(writerA, 20), leaderWrites(writerB, 20), leaderWrites(claimer, 10)]);

      const audit = await claimer.listAudit({ limit: 10_000 });
      const elected: number[] = [];
      const staleWrites: string[] = [];
      for (const entry of audit) {
        const epoch = electedEpoch(entry);
        const newest = elected.at(-1) ?? 0;
        if (epoch !== null) elected.push(epoch);
        else if ((entry.details as { leaderEpoch: number }).leaderEpoch < newest) staleWrites.push(`${entry.action} ${entry.subject} after leader/${newest}`);
      }
      expect(elected).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      expect(staleWrites).toEqual([]);
      const written = writers.reduce((sum, w) => sum + w.written, 0);
      expect(audit.filter((entry) => entry.action.startsWith('decision.'))).toHaveLength(written);
      const decisions = await writerA.listDecisions();
      expect(decisions).toHaveLength(audit.filter((entry) => entry.action === 'decision.created').length);
      await expect(writerB.createDecision(decisionInput('u1', { leaderEpoch: 14 }))).rejects.toBeInstanceOf(StoreFencedError);
      await expect(writerB.createDecision(decisionInput('u1', { leaderEpoch: 15 }))).resolves.toMatchObject({ leaderEpoch: 15 });
    });
  });
}
