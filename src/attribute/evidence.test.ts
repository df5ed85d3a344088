import { describe, expect, it } from 'vitest';
import { alignmentEvidence, indistinguishableEvidence, preUpgradeEvidence } from './evidence.js';
import type { Candidate, Suspect } from './attribute-shift.js';
import type { InstanceOnset } from '../detect/onset.js';
import { MINUTE_MS } from '../../test/support/detect-panels.js';

const T0 = Date.UTC(2026, 3, 1, 12, 0, 0);
const onsetAt = (instance: string, minutes: number): InstanceOnset => ({
  instance,
  onsetMs: T0 + minutes * MINUTE_MS,
  logLik: new Float64Array(0),
  rateBefore: 0,
  rateAfter: 0,
});

describe('alignmentEvidence', () => {
  it('says the shift began within a slice of each rollout, with signed per-instance offsets', () => {
    const rollout = new Map([
      ['a', T0 + 10 * MINUTE_MS],
      ['b', T0 + 12.5 * MINUTE_MS],
    ]);
    expect(alignmentEvidence([onsetAt('a', 11), onsetAt('b', 12)], rollout, MINUTE_MS)).toEqual([
      'shift began on each instance within 1m of its rollout (a +1m, b −0.5m)',
    ]);
  });

  it('names the worst offset when it is within two slices', () => {
    const rollout = new Map([['a', T0]]);
    expect(alignmentEvidence([onsetAt('a', 2)], rollout, MINUTE_MS)).toEqual(['shift began on each instance within 2m of its rollout (a +2m)']);
  });

  it('lists the offsets when they are larger, and the instances without a rollout', () => {
    const rollout = new Map([['a', T0]]);
    expect(alignmentEvidence([onsetAt('a', 30), onsetAt('b', 1), onsetAt('c', 1)], rollout, MINUTE_MS)).toEqual([
      'shift onset vs rollout per instance: a +30m',
      'not rolled out (or no rollout time) on b, c, which shifted too',
    ]);
  });

  it('says nothing without onsets', () => {
    expect(alignmentEvidence([], new Map([['a', T0]]), MINUTE_MS)).toEqual([]);
  });
});

describe('preUpgradeEvidence', () => {
  const startedAtMs = T0 + 20 * MINUTE_MS;

  it('speaks when most instances shifted more than a slice before the upgrade started', () => {
    const lines = preUpgradeEvidence([onsetAt('a', 5), onsetAt('b', 9), onsetAt('c', 25)], startedAtMs, MINUTE_MS);
    expect(lines).toEqual([
      'shift began before the upgrade started on 2 of 3 instances (earliest 2026-04-01T12:05:00.000Z, upgrade started 2026-04-01T12:20:00.000Z): not caused by it',
    ]);
  });

  it('is silent for half or fewer, and for onsets within a slice of the start', () => {
    expect(preUpgradeEvidence([onsetAt('a', 5), onsetAt('b', 25)], startedAtMs, MINUTE_MS)).toEqual([]);
    expect(preUpgradeEvidence([onsetAt('a', 19), onsetAt('b', 19.5)], startedAtMs, MINUTE_MS)).toEqual([]);
  });
});

describe('indistinguishableEvidence', () => {
  const candidate = (binary: string, rollouts: Record<string, number>): Candidate => ({ binary, from: null, to: '2', rolloutAtMs: new Map(Object.entries(rollouts)), notes: [] });
  const suspect = (binary: string, score: number): Suspect => ({ binary, from: null, to: '2', score, evidence: [] });

  it('marks binaries rolled out within a slice of each other on every shared instance', () => {
    const suspects = [suspect('x', 0.5), suspect('y', 0.2)];
    indistinguishableEvidence(suspects, [candidate('x', { a: T0, b: T0 }), candidate('y', { a: T0 + 30_000, b: T0 + MINUTE_MS, c: T0 + 60 * MINUTE_MS })], MINUTE_MS);
    expect(suspects[0]?.evidence).toEqual(['x and y rolled out within 1m of each other on every instance: the data cannot tell them apart']);
    expect(suspects[1]?.evidence).toEqual(['y and x rolled out within 1m of each other on every instance: the data cannot tell them apart']);
  });

  it('marks binaries whose scores are within 25% of each other', () => {
    const suspects = [suspect('x', 0.4), suspect('y', 0.31)];
    indistinguishableEvidence(suspects, [candidate('x', { a: T0 }), candidate('y', { b: T0 })], MINUTE_MS);
    expect(suspects[0]?.evidence).toEqual(['x and y fit the timing of the shift about equally well: the data cannot tell them apart']);
  });

  it('stays silent for distinct times and scores, or when both scores are small', () => {
    const distinct = [suspect('x', 0.8), suspect('y', 0.1)];
    indistinguishableEvidence(distinct, [candidate('x', { a: T0 }), candidate('y', { a: T0 + 5 * MINUTE_MS })], MINUTE_MS);
    expect(distinct.flatMap((s) => s.evidence)).toEqual([]);
    const small = [suspect('x', 0.1), suspect('y', 0.09)];
    indistinguishableEvidence(small, [candidate('x', { a: T0 }), candidate('y', { a: T0 })], MINUTE_MS);
    expect(small.flatMap((s) => s.evidence)).toEqual([]);
  });
});
