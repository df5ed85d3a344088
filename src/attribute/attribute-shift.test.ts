import { describe, expect, it } from 'vitest';
import { attributeShift, logBayesFactor } from './attribute-shift.js';
import type { Candidate, Suspect } from './attribute-shift.js';
import type { InstanceOnset } from '../detect/onset.js';
import { MINUTE_MS, minuteGrid } from '../../test/support/detect-panels.js';

const START_MS = Date.UTC(2026, 3, 1, 12, 0, 0);
const GRID = minuteGrid(60, START_MS);
const STARTED_AT_MS = START_MS + 20 * MINUTE_MS;
const at = (slice: number, offsetMs = 10_000): number => START_MS + slice * MINUTE_MS + offsetMs;

/** An onset whose change-point log-likelihood peaks at `peak` and falls by 3 per slice, allowed on [3, 57). */
function onset(instance: string, peak: number): InstanceOnset {
  const logLik = new Float64Array(GRID.count).fill(-Infinity);
  for (let t = 3; t < 57; t++) logLik[t] = -3 * Math.abs(t - peak);
  return { instance, onsetMs: START_MS + peak * MINUTE_MS, logLik, rateBefore: 0.01, rateAfter: 0.02 };
}

function candidate(binary: string, rollouts: Record<string, number>, notes: string[] = []): Candidate {
  return { binary, from: '1.0', to: '1.1', rolloutAtMs: new Map(Object.entries(rollouts)), notes };
}

const ONSETS = [onset('a', 22), onset('b', 27), onset('c', 33)];
const MATCHING = { a: at(22), b: at(27), c: at(33) };
const MISMATCHED = { a: at(40), b: at(25), c: at(21) };

function attribute(candidates: Candidate[], onsets = ONSETS): Suspect[] {
  return attributeShift({ grid: GRID, onsets, candidates, startedAtMs: STARTED_AT_MS });
}

const totalScore = (suspects: readonly Suspect[]): number => suspects.reduce((acc, s) => acc + s.score, 0);

describe('attributeShift', () => {
  it('ranks the binary whose rollout times match the onsets first, with a score above 0.9', () => {
    const suspects = attribute([candidate('libfoo', MISMATCHED), candidate('gateway', MATCHING, ['rollout times of gateway read from build-info'])]);
    expect(suspects.map((s) => s.binary)).toEqual(['gateway', 'libfoo']);
    expect(suspects[0]?.score).toBeGreaterThan(0.9);
    expect(suspects[1]?.score).toBeLessThan(0.05);
    expect(totalScore(suspects)).toBeLessThanOrEqual(1);
    expect(suspects[0]?.evidence[0]).toMatch(/^shift began on each instance within 1m of its rollout \(a −0\.2m, b −0\.2m, c −0\.2m\)$/);
    expect(suspects[0]?.evidence).toContain('rollout times of gateway read from build-info');
    expect(suspects[0]).toMatchObject({ from: '1.0', to: '1.1' });
  });

  it('accepts an effect that shows in the slice after a late rollout', () => {
    const late = { a: at(21, 55_000), b: at(26, 55_000), c: at(32, 55_000) };
    const suspects = attribute([candidate('late', late), candidate('other', MISMATCHED)]);
    expect(suspects[0]?.binary).toBe('late');
    expect(suspects[0]?.score).toBeGreaterThan(0.9);
  });

  it('gives binaries rolled out together equal scores and says the data cannot tell them apart', () => {
    const suspects = attribute([candidate('b-lib', MATCHING), candidate('a-svc', MATCHING)]);
    expect(suspects[0]?.score).toBe(suspects[1]?.score);
    expect(suspects.map((s) => s.binary)).toEqual(['a-svc', 'b-lib']);
    expect(suspects[0]?.evidence).toContain('a-svc and b-lib rolled out within 1m of each other on every instance: the data cannot tell them apart');
    expect(suspects[1]?.evidence).toContain('b-lib and a-svc rolled out within 1m of each other on every instance: the data cannot tell them apart');
    expect(totalScore(suspects)).toBeLessThanOrEqual(1);
  });

  it('leaves the score to “none of them” when the shift began before the upgrade', () => {
    const early = [onset('a', 5), onset('b', 8), onset('c', 10)];
    const suspects = attribute([candidate('gateway', { a: at(20), b: at(21), c: at(22) }), candidate('libfoo', { a: at(24), b: at(24), c: at(24) })], early);
    expect(suspects[0]?.score).toBeLessThan(0.5);
    for (const s of suspects) {
      expect(s.evidence.some((e) => e.startsWith('shift began before the upgrade started on 3 of 3 instances (earliest 2026-04-01T12:05:00.000Z'))).toBe(true);
    }
    expect(suspects.find((s) => s.binary === 'gateway')?.evidence[0]).toBe('shift onset vs rollout per instance: a −15.2m, b −13.2m, c −12.2m');
  });

  it('is neutral on an instance where a binary was not rolled out', () => {
    const suspects = attribute([
      candidate('partial', { a: at(22), b: at(27) }),
      candidate('full', MATCHING),
      candidate('wrong-on-c', { a: at(22), b: at(27), c: at(50) }),
    ]);
    expect(suspects.map((s) => s.binary)).toEqual(['full', 'partial', 'wrong-on-c']);
    const partial = suspects.find((s) => s.binary === 'partial');
    expect(partial?.evidence).toContain('not rolled out (or no rollout time) on c, which shifted too');
    expect(totalScore(suspects)).toBeLessThanOrEqual(1);
  });

  it('sorts by score, descending, and scores sum to at most 1 for many candidates', () => {
    const rollouts: Record<string, number>[] = [MISMATCHED, MATCHING, { a: at(23), b: at(28), c: at(34) }, { a: at(22) }, {}];
    const candidates = rollouts.map((r, i) => candidate(`bin${i}`, r));
    const suspects = attribute(candidates);
    for (let i = 1; i < suspects.length; i++) expect(suspects[i - 1]?.score).toBeGreaterThanOrEqual(suspects[i]?.score ?? NaN);
    expect(totalScore(suspects)).toBeLessThanOrEqual(1);
    for (const s of suspects) {
      expect(s.score).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeLessThanOrEqual(1);
    }
  });

  it('respects the prior of “none of them” when no onset carries evidence', () => {
    const neutral = attributeShift({ grid: GRID, onsets: ONSETS, candidates: [candidate('x', {})], startedAtMs: STARTED_AT_MS, priorNone: 0.3 });
    expect(neutral[0]?.score).toBe(0.7);
  });

  it('returns nothing without candidates or onsets', () => {
    expect(attribute([])).toEqual([]);
    expect(attribute([candidate('x', MATCHING)], [])).toEqual([]);
  });
});

describe('logBayesFactor', () => {
  it('is 0 without a rollout time on the instance or without an allowed slice', () => {
    expect(logBayesFactor(onset('a', 22), undefined, GRID)).toBe(0);
    const flat = { ...onset('a', 22), logLik: new Float64Array(GRID.count).fill(-Infinity) };
    expect(logBayesFactor(flat, at(22), GRID)).toBe(0);
  });

  it('is 0 for a flat profile (no timing information) and positive at the peak, negative far from it', () => {
    const flat = { ...onset('a', 22), logLik: new Float64Array(GRID.count).fill(0) };
    expect(logBayesFactor(flat, at(30), GRID)).toBeCloseTo(0, 12);
    expect(logBayesFactor(onset('a', 22), at(22), GRID)).toBeGreaterThan(2);
    expect(logBayesFactor(onset('a', 22), at(40), GRID)).toBeLessThan(-20);
  });

  it('stays finite when the kernel misses every allowed slice', () => {
    expect(Number.isFinite(logBayesFactor(onset('a', 22), START_MS + 200 * MINUTE_MS, GRID))).toBe(true);
  });
});
