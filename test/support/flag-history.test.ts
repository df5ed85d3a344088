/**
 * The anti-flapping checks on hand-made histories: a history that keeps the guardrails passes, and
 * each way of breaking them is named (including those the real loop never produces, so the checks
 * are known to bite before they are trusted on it).
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/flags/flag-store.js';
import type { MemoryFlagEvent } from '../../src/flags/memory-flag-store.js';
import type { DecisionRecord, DecisionStatus } from '../../src/store/state-store.js';
import type { DecisionProposal, FlagValue } from '../../src/tune/decision-proposal.js';
import type { GuardrailLimits, GuardrailRule, TuneRule } from '../../src/tune/guardrails-config.js';
import { checkFlagHistory, maxWrites } from './flag-history.js';
import type { FlagHistory, FlagWriteRecord } from './flag-history.js';

const MIN = 60_000;
const LIMITS: GuardrailLimits = { cooldownMs: 15 * MIN, maxChangesPerDay: 6, verifyWindowMs: 10 * MIN };
const SPAN = { fromMs: 0, toMs: 80 * MIN };
const GATE: GuardrailRule = { kind: 'gate', flag: 'gate', may: ['disable'], when: { signals: ['retries'], binaries: ['dten-sync'] } };
const TUNE: TuneRule = {
  kind: 'tune',
  flag: 'tuned',
  tune: { maxRetries: { min: 1, max: 5, maxStep: 0.5 } },
  when: { signals: ['retries'], binaries: ['dten-sync'] },
  objective: { retriesPerRequest: null, p99Ms: null },
  transientFaultMs: null,
  strategyTitle: null,
  variant: null,
};

interface Step {
  readonly id: string;
  readonly applyMs: number;
  readonly revertMs?: number;
  readonly outcome?: 'better' | 'worse' | 'no_change';
  readonly from: JsonValue;
  readonly to: JsonValue;
  /** What the revert wrote (default `from`). */
  readonly revertTo?: JsonValue;
}

/** The writes, change log and decision log of `steps` on `rule`'s flag. */
function history(rule: GuardrailRule, steps: readonly Step[]): FlagHistory {
  const writes: FlagWriteRecord[] = steps
    .flatMap((s) => [
      { atMs: s.applyMs, flag: rule.flag, decisionId: s.id, from: s.from, to: s.to },
      ...(s.revertMs === undefined ? [] : [{ atMs: s.revertMs, flag: rule.flag, decisionId: s.id, from: s.to, to: s.revertTo ?? s.from }]),
    ])
    .sort((a, b) => a.atMs - b.atMs);
  const events: MemoryFlagEvent[] = writes.map((w, i) => ({ id: i + 1, type: 'feature-strategy-update', flag: rule.flag, actor: 'shiftguard', decisionId: w.decisionId }));
  return { flag: rule.flag, rule, limits: LIMITS, writes, events, decisions: steps.map((s) => decision(rule.flag, s)), actor: 'shiftguard' };
}

function decision(flag: string, s: Step): DecisionRecord {
  const value = (v: JsonValue): FlagValue => (typeof v === 'string' ? { kind: 'enabled', value: v === 'on' } : { kind: 'payload', value: v });
  const write = (atMs: number) => ({ atMs, eventId: null, changed: true, reconciled: false, leaderEpoch: 1 });
  const status: DecisionStatus = s.revertMs === undefined ? 'kept' : 'reverted';
  const proposal: DecisionProposal = {
    action: typeof s.to === 'string' ? 'disable' : 'tune',
    summary: 'test',
    mode: 'enforce',
    automatic: true,
    pendingReason: null,
    trigger: null,
    target: { flag, strategyTitle: null, variant: null, before: value(s.from), after: value(s.to), changes: [] },
    prediction: null,
    rollbackOf: null,
    applied: write(s.applyMs),
    verification: { beforeFromMs: s.applyMs - LIMITS.verifyWindowMs, changeMs: s.applyMs, untilMs: s.applyMs + LIMITS.verifyWindowMs, outcome: s.outcome ?? 'better', judgedAtMs: s.applyMs + 11 * MIN, groups: [], summary: 'test' },
    reverted: s.revertMs === undefined ? null : { ...write(s.revertMs), by: 'tuner' },
    failure: null,
  };
  return { id: s.id, upgradeId: 'u', flag, kind: 'toggle', proposal, status, requestedBy: 'tuner', approvedBy: 'guardrails', leaderEpoch: 1, createdAtMs: s.applyMs, updatedAtMs: s.revertMs ?? s.applyMs, version: 4 };
}

describe('checkFlagHistory', () => {
  it('passes a change reverted after a worse verification and another change a cooldown after the revert', () => {
    const h = history(GATE, [
      { id: '1', applyMs: 11 * MIN, revertMs: 22 * MIN, outcome: 'worse', from: 'on', to: 'off' },
      { id: '2', applyMs: 37 * MIN, from: 'on', to: 'off' },
    ]);
    expect(checkFlagHistory(h, SPAN)).toEqual([]);
  });

  it('names a re-apply inside the cooldown after a revert', () => {
    const h = history(GATE, [
      { id: '1', applyMs: 11 * MIN, revertMs: 22 * MIN, outcome: 'worse', from: 'on', to: 'off' },
      { id: '2', applyMs: 30 * MIN, from: 'on', to: 'off' },
    ]);
    expect(checkFlagHistory(h, SPAN)).toEqual(['gate apply by decision 2 at +30m00s: re-applies what was reverted 8m00s after the previous write (cooldown 15m00s)']);
    const fast = history(GATE, [
      { id: '1', applyMs: 0, revertMs: 5 * MIN, outcome: 'worse', from: 'on', to: 'off' },
      { id: '2', applyMs: 10 * MIN, from: 'on', to: 'off' },
    ]);
    expect(checkFlagHistory(fast, SPAN)).toEqual([
      'gate apply by decision 2 at +10m00s: re-applies what was reverted 5m00s after the previous write (cooldown 15m00s)',
      'gate: three writes within 10m00s (decisions 1…2): the flag oscillates faster than the cooldown',
    ]);
  });

  it('names a revert that did not follow a worse verification, or that does not restore the value its change replaced', () => {
    const notWorse = history(GATE, [{ id: '1', applyMs: 11 * MIN, revertMs: 22 * MIN, outcome: 'no_change', from: 'on', to: 'off' }]);
    expect(checkFlagHistory(notWorse, SPAN)).toEqual(['gate revert by decision 1 at +22m00s: reverted although verification said no_change']);
    const inexact = history(TUNE, [{ id: '1', applyMs: 11 * MIN, revertMs: 22 * MIN, outcome: 'worse', from: { maxRetries: 5 }, to: { maxRetries: 3 }, revertTo: { maxRetries: 4 } }]);
    expect(checkFlagHistory(inexact, SPAN)).toEqual(['tuned revert by decision 1 at +22m00s: does not restore exactly what its change replaced']);
  });

  it('names a step beyond maxStep or the bounds, a gate moved against the rule, and writes past the daily cap', () => {
    expect(checkFlagHistory(history(TUNE, [{ id: '1', applyMs: 0, from: { maxRetries: 5 }, to: { maxRetries: 0 } }]), SPAN)).toEqual([
      'tuned apply by decision 1 at +0m00s: maxRetries = 0 outside [1, 5]',
      'tuned apply by decision 1 at +0m00s: maxRetries moved 5 → 0, more than one step (2)',
    ]);
    expect(checkFlagHistory(history(GATE, [{ id: '1', applyMs: 0, from: 'off', to: 'on' }]), SPAN)).toEqual(['gate apply by decision 1 at +0m00s: enable is not among the rule\'s actions (disable)']);
    const capped = { ...LIMITS, cooldownMs: MIN, maxChangesPerDay: 2 };
    const h = history(TUNE, [1, 2, 3].map((i) => ({ id: String(i), applyMs: i * 10 * MIN, from: { maxRetries: 6 - i }, to: { maxRetries: 5 - i } })));
    expect(checkFlagHistory({ ...h, limits: capped }, SPAN)).toEqual(['tuned apply by decision 3 at +30m00s: 2 writes in the 24 h before it (daily cap 2)']);
    const four = history(TUNE, [1, 2, 3, 4].map((i) => ({ id: String(i), applyMs: i * 10 * MIN, from: { maxRetries: 6 - i }, to: { maxRetries: 5 - i } })));
    expect(checkFlagHistory({ ...four, limits: capped }, SPAN)[0]).toBe('tuned: 4 writes in 80m00s, more than the 3 the limits allow');
  });

  it('names a write the flag service did not log, and one the decision log does not record', () => {
    const h = history(GATE, [{ id: '1', applyMs: 11 * MIN, from: 'on', to: 'off' }]);
    expect(checkFlagHistory({ ...h, events: [] }, SPAN)).toEqual(['gate: the flag service logged writes of decisions [], the tuner made ["1"]']);
    expect(checkFlagHistory({ ...h, decisions: [] }, SPAN)[0]).toMatch(/^gate: the decision log records writes \[\], the flag service answered/);
  });
});

describe('maxWrites', () => {
  it('allows an apply per cooldown up to the cap, each possibly reverted, and at most one write past the cap', () => {
    expect(maxWrites(LIMITS, 80 * MIN)).toBe(7);
    expect(maxWrites(LIMITS, 30 * MIN)).toBe(6);
    expect(maxWrites({ cooldownMs: 5 * MIN, maxChangesPerDay: 3, verifyWindowMs: 7 * MIN }, 80 * MIN)).toBe(4);
    expect(maxWrites({ cooldownMs: 0, maxChangesPerDay: 6, verifyWindowMs: 7 * MIN }, 80 * MIN)).toBe(7);
  });
});
