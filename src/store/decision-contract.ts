/**
 * Contract suite, part 3: decisions (compare-and-set, races, audit rows written with them) and the
 * audit log (see `state-store-contract.ts`).
 */
import { describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from './contract-fixtures.js';
import type { ContractContext } from './state-store-contract.js';
import { StoreConflictError, StoreNotFoundError } from './store-error.js';
import type { AuditEntry, StateStore } from './state-store.js';

/** Registers the decision and audit-log tests. */
export function describeDecisionContract(context: ContractContext): void {
  describeCreateContract(context);
  describeTransitionContract(context);
  describeAuditContract(context);
}

async function subjectAudit(store: StateStore, subject: string): Promise<AuditEntry[]> {
  return (await store.listAudit({ limit: 10_000 })).filter((entry) => entry.subject === subject);
}

function describeCreateContract(context: ContractContext): void {
  describe('decisions', () => {
    it('creates decisions at version 1 with increasing ids and a decision.created audit row each', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const input = decisionInput('u1');
      const first = await store.createDecision(input);
      expect(first).toEqual({
        id: first.id, upgradeId: 'u1', flag: input.flag, kind: 'tune', proposal: input.proposal, status: 'proposed', requestedBy: 'tuner',
        approvedBy: null, leaderEpoch: 1, createdAtMs: input.atMs, updatedAtMs: input.atMs, version: 1,
      });
      const second = await store.createDecision(decisionInput('u1', { kind: 'toggle', flag: 'dten.sync.backoff-v2', status: 'approved', approvedBy: 'guardrails' }));
      expect(Number(second.id)).toBeGreaterThan(Number(first.id));
      expect(await store.getDecision(second.id)).toEqual(second);
      expect(await store.listAudit({ limit: 10 })).toMatchObject([
        { atMs: input.atMs, actor: 'tuner', action: 'decision.created', subject: `decision/${first.id}`, details: { upgradeId: 'u1', status: 'proposed', approvedBy: null } },
        { action: 'decision.created', subject: `decision/${second.id}`, details: { kind: 'toggle', status: 'approved', approvedBy: 'guardrails' } },
      ]);
    });

    it('refuses malformed decisions and unknown upgrades without writing a decision or an audit row', async () => {
      const store = await context.openStore();
      await expect(store.createDecision(decisionInput('nope'))).rejects.toBeInstanceOf(StoreNotFoundError);
      await store.putUpgrade(upgradeRecord('u1', T0));
      await expect(store.createDecision(decisionInput('u1', { status: 'approved' }))).rejects.toThrow('decision.approvedBy: expected a non-empty string, got null');
      await expect(store.createDecision(decisionInput('u1', { approvedBy: 'bob' }))).rejects.toThrow('decision.approvedBy: expected null while proposed');
      await expect(store.createDecision(decisionInput('u1', { status: 'applied' as 'proposed' }))).rejects.toMatchObject({ code: 'invalid_record' });
      await expect(store.createDecision(decisionInput('u1', { proposal: { prediction: { after: Infinity } } })))
        .rejects.toThrow('decision.proposal.prediction.after: expected a finite number, got Infinity');
      expect(await store.listDecisions()).toEqual([]);
      expect(await store.listAudit({ limit: 10 })).toEqual([]);
      for (const id of ['1', '01', 'abc', '']) expect(await store.getDecision(id)).toBeNull();
    });

    it('lists decisions by upgrade and status', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      await store.putUpgrade(upgradeRecord('u2', T0 + 1));
      const a = await store.createDecision(decisionInput('u1'));
      const b = await store.createDecision(decisionInput('u2'));
      const c = await store.transitionDecision((await store.createDecision(decisionInput('u1'))).id, 'proposed', 'rejected', { atMs: T0 + 9, actor: 'bob' }, 1);
      expect(await store.listDecisions()).toEqual([a, b, c]);
      expect(await store.listDecisions({ upgradeId: 'u1' })).toEqual([a, c]);
      expect(await store.listDecisions({ status: 'proposed' })).toEqual([a, b]);
      expect(await store.listDecisions({ upgradeId: 'u1', status: ['rejected', 'applied'] })).toEqual([c]);
      expect(await store.listDecisions({ status: [] })).toEqual([]);
      await expect(store.listDecisions({ status: ['nope' as 'kept'] })).rejects.toMatchObject({ code: 'invalid_record' });
    });
  });
}

function describeTransitionContract(context: ContractContext): void {
  describe('decision compare-and-set', () => {
    it('moves a decision from the status and version it was read at, with its audit row', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const created = await store.createDecision(decisionInput('u1'));
      const approved = await store.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 5, actor: 'alice', approvedBy: 'alice', details: { note: 'ok' } }, 1);
      expect(approved).toEqual({ ...created, status: 'approved', approvedBy: 'alice', updatedAtMs: T0 + 5, version: 2 });
      const applied = await store.transitionDecision(created.id, 'approved', 'applied', { atMs: T0 + 6, actor: 'tuner', proposal: { applied: [125] }, leaderEpoch: 4 }, 2);
      expect(applied).toEqual({ ...approved, status: 'applied', proposal: { applied: [125] }, leaderEpoch: 4, updatedAtMs: T0 + 6, version: 3 });
      expect(await store.getDecision(created.id)).toEqual(applied);
      const audit = await subjectAudit(store, `decision/${created.id}`);
      expect(audit.map((entry) => [entry.action, entry.actor, entry.atMs])).toEqual([
        ['decision.created', 'tuner', created.createdAtMs], ['decision.approved', 'alice', T0 + 5], ['decision.applied', 'tuner', T0 + 6],
      ]);
      expect(audit[1]?.details).toEqual({ from: 'proposed', to: 'approved', version: 2, approvedBy: 'alice', leaderEpoch: 1, details: { note: 'ok' } });
    });

    it('refuses a stale status, a stale version, an unknown id or an approval without approver, writing nothing', async () => {
      const store = await context.openStore();
      await store.putUpgrade(upgradeRecord('u1', T0));
      const created = await store.createDecision(decisionInput('u1'));
      const patch = { atMs: T0 + 5, actor: 'alice', approvedBy: 'alice' };
      await expect(store.transitionDecision(created.id, 'approved', 'applied', patch, 1)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.transitionDecision(created.id, 'proposed', 'approved', patch, 2))
        .rejects.toThrow(`decision ${created.id} is proposed at version 1, expected proposed at version 2`);
      await expect(store.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 5, actor: 'alice' }, 1))
        .rejects.toThrow('patch.approvedBy: expected a non-empty string, got undefined');
      for (const id of ['999', '0', 'x']) await expect(store.transitionDecision(id, 'proposed', 'approved', patch, 1)).rejects.toBeInstanceOf(StoreNotFoundError);
      expect(await store.getDecision(created.id)).toEqual(created);
      expect(await store.listAudit({ limit: 10 })).toHaveLength(1);
    });

    it('lets exactly one of two racing transitions win, through one store or two', async () => {
      const stores = [await context.openStore(), await context.openStore()] as const;
      await stores[0].putUpgrade(upgradeRecord('u1', T0));
      for (let round = 0; round < 8; round++) {
        const created = await stores[0].createDecision(decisionInput('u1'));
        const [approver, rejecter] = round % 2 === 0 ? [stores[0], stores[1]] : [stores[0], stores[0]];
        const outcomes = await Promise.allSettled([
          approver.transitionDecision(created.id, 'proposed', 'approved', { atMs: T0 + 5, actor: 'alice', approvedBy: 'alice' }, 1),
          rejecter.transitionDecision(created.id, 'proposed', 'rejected', { atMs: T0 + 5, actor: 'bob' }, 1),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(StoreConflictError);
        const winner = (won[0] as PromiseFulfilledResult<{ status: string }>).value;
        expect(await stores[1].getDecision(created.id)).toMatchObject({ status: winner.status, version: 2 });
        const audit = await subjectAudit(stores[1], `decision/${created.id}`);
        expect(audit.map((entry) => entry.action)).toEqual(['decision.created', `decision.${winner.status}`]);
      }
    });
  });
}

function describeAuditContract(context: ContractContext): void {
  describe('audit log', () => {
    it('numbers rows in increasing order and pages through them', async () => {
      const store = await context.openStore();
      const rows = [];
      for (let i = 0; i < 5; i++) rows.push(await store.appendAudit({ atMs: T0 + i, actor: 'alice', action: 'upgrade.registered', subject: `upgrade/u${i}`, details: { i, tags: ['a'] } }));
      expect(rows.map((row) => row.seq)).toEqual([...rows.map((row) => row.seq)].sort((a, b) => a - b));
      expect(new Set(rows.map((row) => row.seq)).size).toBe(5);
      expect(rows[2]).toEqual({ seq: rows[2]?.seq, atMs: T0 + 2, actor: 'alice', action: 'upgrade.registered', subject: 'upgrade/u2', details: { i: 2, tags: ['a'] } });
      expect(await store.listAudit({ limit: 2 })).toEqual(rows.slice(0, 2));
      expect(await store.listAudit({ afterSeq: rows[1]?.seq, limit: 2 })).toEqual(rows.slice(2, 4));
      expect(await store.listAudit({ afterSeq: rows[4]?.seq, limit: 2 })).toEqual([]);
      for (const limit of [0, 1.5, 10_001]) await expect(store.listAudit({ limit })).rejects.toMatchObject({ code: 'invalid_record' });
      await expect(store.appendAudit({ atMs: T0, actor: '', action: 'x', subject: 'y', details: null })).rejects.toThrow('audit.actor: expected a non-empty string');
    });

    it('keeps concurrent appends from two stores distinct and in seq order', async () => {
      const [a, b] = [await context.openStore(), await context.openStore()];
      const appended = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).appendAudit({ atMs: T0 + i, actor: 'tuner', action: 'test.append', subject: `n/${i}`, details: i })));
      const listed = await b.listAudit({ limit: 100 });
      expect(listed).toHaveLength(20);
      expect(listed.map((row) => row.seq)).toEqual([...appended.map((row) => row.seq)].sort((x, y) => x - y));
      expect(new Set(listed.map((row) => row.details))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)));
    });
  });
}
