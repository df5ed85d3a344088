/**
 * A rollback's `restore` decision ends at `applied` (the rollback request writes the flag itself;
 * nothing is verified). It must not count as a change "in progress" on its flag afterwards, or the
 * flag could never be changed again: not by the tuner for a later finding, not by an approved request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GATE, tunerHarness } from '../../test/support/tuner-harness.js';
import type { TunerHarness } from '../../test/support/tuner-harness.js';
import { MemoryFlagStore } from '../flags/memory-flag-store.js';
import { parseProposal } from './decision-proposal.js';
import { applyRollback } from './rollback.js';
import { NOT_CARRIED_OUT } from './decision-proposal.js';

let h: TunerHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const MIN = 60_000;

describe('after a rollback', () => {
  it('the tuner changes the restored flag again for a later finding (the restore is not a change in progress)', async () => {
    h = await tunerHarness();
    const first = await h.openRegression('partner');
    await h.tuner.round();
    const restored = await applyRollback({ store: h.store, flags: new MemoryFlagStore(h.flags), now: h.now }, 'dten-1', 'alice');
    expect(restored.results).toEqual([expect.objectContaining({ flag: GATE, outcome: 'restored' })]);
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(true);

    // The first regression went away with the rollback's upgrade; a later one (another peer) comes, after the cooldown.
    await h.store.resolveFinding(first.id, h.now());
    h.advance(16 * MIN);
    await h.openRegression('other-partner');
    await h.tuner.round();
    const decisions = await h.store.listDecisions();
    expect(decisions.map((d) => [d.flag, parseProposal(d.proposal, d.id).action, d.status])).toEqual([
      [GATE, 'disable', 'reverted'],
      [GATE, 'restore', 'applied'],
      [GATE, 'disable', 'verifying'],
    ]);
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(false);
    expect(h.tuner.status().notActing).toEqual({});
  });

  it('an approved decision on the restored flag is applied', async () => {
    h = await tunerHarness();
    await h.openRegression('partner');
    await h.tuner.round();
    await applyRollback({ store: h.store, flags: new MemoryFlagStore(h.flags), now: h.now }, 'dten-1', 'alice');
    h.advance(16 * MIN);
    const approved = await h.store.createDecision({
      upgradeId: 'dten-1',
      flag: GATE,
      kind: 'toggle',
      proposal: {
        action: 'disable',
        summary: 'disable again: requested by bob',
        mode: 'enforce',
        automatic: false,
        pendingReason: null,
        trigger: null,
        target: { flag: GATE, strategyTitle: null, variant: null, before: { kind: 'enabled', value: true }, after: { kind: 'enabled', value: false }, changes: [] },
        prediction: null,
        rollbackOf: null,
        ...NOT_CARRIED_OUT,
      },
      status: 'approved',
      requestedBy: 'bob',
      approvedBy: 'carol',
      leaderEpoch: 1,
      atMs: h.now(),
    });
    await h.tuner.round();
    expect((await h.store.getDecision(approved.id))?.status).toBe('verifying');
    expect((await h.flags.read(GATE, undefined)).enabled).toBe(false);
  });
});
