import { describe, expect, it } from 'vitest';
import { alignedEvidence, alignedLogBayesFactor, alignedProfile } from './event-study.js';
import type { AlignedProfile, AlignmentOptions } from './event-study.js';
import type { CountRow } from '../detect/panel.js';
import { MINUTE_MS, countPanel, countRow, trackOf } from '../../test/support/detect-panels.js';

const SLICES = 60;
/** Rollout slice of each instance; the upgrade starts at slice 20. */
const ROLLOUT = { a: 20, b: 25, c: 30, d: 35 } as const;
const NO_FACTOR: AlignmentOptions = { exposureFactor: null, tempering: 1 };

/** Baseline until 20, IGNORE until the instance's rollout, then 20 slices of TREAT. */
function pattern(rollout: number): string {
  return ('B'.repeat(20) + '.'.repeat(rollout - 20) + 'T'.repeat(20)).padEnd(SLICES, '.');
}

/** Each instance's rate (per 1000 requests) is `base`, times `step` from its own rollout, times `common(t)`. */
function rows(step: number, base: Record<string, number> = {}, common: (t: number) => number = () => 1): CountRow[] {
  return Object.entries(ROLLOUT).map(([instance, r]) =>
    countRow(trackOf(instance, pattern(r)), (t) => (base[instance] ?? 10) * common(t) * (t >= r ? step : 1), () => 1000),
  );
}

const rolloutsAt = (slices: Record<string, number>): Map<string, number> => new Map(Object.entries(slices).map(([i, k]) => [i, k * MINUTE_MS + 5_000]));
const MATCHING = rolloutsAt(ROLLOUT);
const SHUFFLED = rolloutsAt({ a: 35, b: 30, c: 20, d: 25 });

function profileOf(panelRows: CountRow[], rollouts: Map<string, number>, options: AlignmentOptions = NO_FACTOR): AlignedProfile {
  const profile = alignedProfile(countPanel(panelRows), rollouts, options);
  if (profile === null) throw new Error('expected a profile');
  return profile;
}

const argmax = (values: Float64Array): number => values.indexOf(Math.max(...values));

describe('alignedProfile', () => {
  it('stacks the instances at the candidate’s rollout: the pooled step sits at offset 0', () => {
    const profile = profileOf(rows(2), MATCHING);
    expect(profile.instances).toBe(4);
    expect(profile.zeroIndex).toBe(SLICES);
    expect(profile.logLik).toHaveLength(2 * SLICES);
    expect(argmax(profile.logLik)).toBe(profile.zeroIndex);
  });

  it('standardises each instance by its own baseline rate, so differing levels do not blur the step', () => {
    const profile = profileOf(rows(1.5, { a: 5, b: 40, c: 10, d: 80 }), MATCHING);
    expect(argmax(profile.logLik)).toBe(profile.zeroIndex);
  });

  it('divides the log-likelihood by the tempering', () => {
    const plain = profileOf(rows(2), MATCHING);
    const tempered = profileOf(rows(2), MATCHING, { exposureFactor: null, tempering: 4 });
    expect(tempered.logLik[SLICES]).toBeCloseTo((plain.logLik[SLICES] ?? NaN) / 4, 9);
  });

  it('scales the exposure by the controls’ movement when given', () => {
    const load = (t: number): number => (t < 10 ? 1 : 3);
    const factor = Float64Array.from({ length: SLICES }, (_, t) => load(t));
    const corrected = profileOf(rows(1.5, {}, load), MATCHING, { exposureFactor: factor, tempering: 1 });
    expect(argmax(corrected.logLik)).toBe(corrected.zeroIndex);
    // A factor that does not match the data moves the step: the factor does enter the exposure.
    const wrong = Float64Array.from({ length: SLICES }, (_, t) => load(t) * (t >= 45 ? 5 : 1));
    expect(argmax(profileOf(rows(1.5, {}, load), MATCHING, { exposureFactor: wrong, tempering: 1 }).logLik)).toBeGreaterThan(SLICES + 5);
  });

  it('is null when no instance has both a rollout time and an after window, or a baseline', () => {
    expect(alignedProfile(countPanel(rows(2)), new Map([['zzz', 0]]), NO_FACTOR)).toBeNull();
    const noAfter = [countRow(trackOf('a', 'B'.repeat(30) + 'C'.repeat(30)), () => 10, () => 1000)];
    expect(alignedProfile(countPanel(noAfter), MATCHING, NO_FACTOR)).toBeNull();
    const noBaseline = [countRow(trackOf('a', '.'.repeat(20) + 'T'.repeat(40)), () => 10, () => 1000)];
    expect(alignedProfile(countPanel(noBaseline), MATCHING, NO_FACTOR)).toBeNull();
  });

  it('counts only the instances with a rollout time of the candidate', () => {
    expect(profileOf(rows(2), rolloutsAt({ a: 20, c: 30 })).instances).toBe(2);
  });
});

describe('alignedLogBayesFactor', () => {
  it('favours the binary whose rollouts line up with the steps over one rolled out in another order', () => {
    const right = alignedLogBayesFactor(profileOf(rows(2), MATCHING));
    const wrong = alignedLogBayesFactor(profileOf(rows(2), SHUFFLED));
    expect(right).toBeGreaterThan(2);
    expect(wrong).toBeLessThan(0);
  });

  it('is 0 for a flat profile and when no offset is allowed', () => {
    const flat: AlignedProfile = { logLik: new Float64Array(40), zeroIndex: 20, instances: 1 };
    expect(alignedLogBayesFactor(flat)).toBeCloseTo(0, 12);
    expect(alignedLogBayesFactor({ ...flat, logLik: new Float64Array(40).fill(-Infinity) })).toBe(0);
  });
});

describe('alignedEvidence', () => {
  it('says where the pooled rate steps relative to the rollout', () => {
    expect(alignedEvidence(profileOf(rows(2), MATCHING), 'gateway', MINUTE_MS)).toBe(
      "aligned at each instance's rollout of gateway and pooled over 4 instance(s), the rate steps at +0m",
    );
    const early: AlignedProfile = { logLik: Float64Array.from([0, 5, 1, 0]), zeroIndex: 3, instances: 2 };
    expect(alignedEvidence(early, 'x', MINUTE_MS)).toBe("aligned at each instance's rollout of x and pooled over 2 instance(s), the rate steps at −2m");
    // Second-scale slices (the live demo's 2 s): seconds, not fractions of a minute.
    expect(alignedEvidence(early, 'x', 2000)).toBe("aligned at each instance's rollout of x and pooled over 2 instance(s), the rate steps at −4s");
  });
});
