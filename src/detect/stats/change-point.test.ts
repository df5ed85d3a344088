import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random.js';
import { changePointProfile } from './change-point.js';

/** Poisson variate by inversion (fine for the small means used here). */
function poisson(rng: Rng, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = rng.next();
  while (u > cumulative && k < 10_000) {
    k += 1;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

/** Gamma(shape, 1) variate (Marsaglia & Tsang) for overdispersed, gamma-Poisson counts. */
function gamma(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const u1 = Math.max(rng.next(), 1e-300);
    const u2 = rng.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(Math.max(rng.next(), 1e-300)) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function series(seed: number, m: number, tau: number, rates: [number, number], burstShape?: number) {
  const rng = createRng(seed);
  const exposure = Array.from({ length: m }, () => 500 + rng.int(1000));
  const y = exposure.map((e, t) => {
    const mean = (t < tau ? rates[0] : rates[1]) * e;
    return poisson(rng, burstShape === undefined ? mean : (mean * gamma(rng, burstShape)) / burstShape);
  });
  return { y, exposure };
}

/** Full Poisson log-likelihood Σ y ln(λe) − λe − ln y! with λ fitted per segment (brute force). */
function fullLogLik(y: number[], e: number[], from: number, to: number): number {
  let events = 0;
  let exposure = 0;
  for (let t = from; t < to; t++) {
    events += y[t] as number;
    exposure += e[t] as number;
  }
  const rate = events / exposure;
  let sum = 0;
  for (let t = from; t < to; t++) {
    const yt = y[t] as number;
    let logFactorial = 0;
    for (let k = 2; k <= yt; k++) logFactorial += Math.log(k);
    sum += (yt > 0 ? yt * Math.log(rate * (e[t] as number)) : 0) - rate * (e[t] as number) - logFactorial;
  }
  return sum;
}

describe('changePointProfile', () => {
  it('equals the brute-force Poisson log-likelihood ratio for every τ (dispersion 1)', () => {
    const { y, exposure } = series(11, 24, 12, [0.01, 0.01]);
    const profile = changePointProfile(y, exposure, { minSegment: 2 });
    const none = fullLogLik(y, exposure, 0, 24);
    for (let tau = 0; tau < 24; tau++) {
      const value = profile.logLik[tau] as number;
      if (tau < 2 || tau > 22) {
        expect(value).toBe(Number.NEGATIVE_INFINITY);
        continue;
      }
      const expected = (fullLogLik(y, exposure, 0, tau) + fullLogLik(y, exposure, tau, 24) - none) / profile.dispersion;
      expect(value).toBeCloseTo(expected, 8);
    }
  });

  it('finds a rate step and its rates', () => {
    const { y, exposure } = series(5, 60, 35, [0.01, 0.02]);
    const profile = changePointProfile(y, exposure);
    expect(Math.abs(profile.best - 35)).toBeLessThanOrEqual(2);
    expect(profile.rateBefore).toBeCloseTo(0.01, 2);
    expect(profile.rateAfter).toBeCloseTo(0.02, 2);
    expect(profile.dispersion).toBeLessThan(1.5);
    expect(profile.logLik[profile.best]).toBeGreaterThan(20);
  });

  it('gives only small ratios without a change', () => {
    let largest = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { y, exposure } = series(seed, 60, 60, [0.01, 0.01]);
      const profile = changePointProfile(y, exposure);
      largest = Math.max(largest, profile.logLik[profile.best] as number);
    }
    // The maximum of the LR statistic over τ is ~ ½·(sup of a Brownian bridge²): rarely above 6.
    expect(largest).toBeLessThan(8);
  });

  it('tempers bursty (overdispersed) data by the Pearson dispersion', () => {
    const { y, exposure } = series(3, 80, 80, [0.02, 0.02], 2);
    const profile = changePointProfile(y, exposure);
    expect(profile.dispersion).toBeGreaterThan(3);
    const tau = profile.best;
    const rawRatio = fullLogLik(y, exposure, 0, tau) + fullLogLik(y, exposure, tau, 80) - fullLogLik(y, exposure, 0, 80);
    expect((profile.logLik[tau] as number) * profile.dispersion).toBeCloseTo(rawRatio, 6);
    expect(rawRatio).toBeGreaterThan(8); // untempered, the bursts would look like a change
    expect(profile.logLik[tau]).toBeLessThan(8);
  });

  it('skips zero-exposure slices but keeps their indices', () => {
    const { y, exposure } = series(9, 30, 15, [0.01, 0.03]);
    const dense = changePointProfile(y, exposure);
    const yGaps = [...y.slice(0, 10), 99, ...y.slice(10), 7];
    const eGaps = [...exposure.slice(0, 10), 0, ...exposure.slice(10), 0];
    const gappy = changePointProfile(yGaps, eGaps);
    expect(gappy.logLik[10]).toBe(Number.NEGATIVE_INFINITY);
    expect(gappy.logLik[31]).toBe(Number.NEGATIVE_INFINITY);
    for (let tau = 11; tau <= 30; tau++) expect(gappy.logLik[tau]).toBeCloseTo(dense.logLik[tau - 1] as number, 10);
    expect(gappy.best).toBe(dense.best >= 10 ? dense.best + 1 : dense.best);
    expect(gappy.dispersion).toBeCloseTo(dense.dispersion, 12);
  });

  it('returns best = −1 and the common rate when no τ is allowed', () => {
    const profile = changePointProfile([1, 2, 3, 4, 5], [100, 100, 100, 100, 100]);
    expect(profile.best).toBe(-1);
    expect(Array.from(profile.logLik).every((v) => v === Number.NEGATIVE_INFINITY)).toBe(true);
    expect(profile.rateBefore).toBeCloseTo(0.03, 12);
    expect(profile.rateAfter).toBe(profile.rateBefore);
    expect(changePointProfile([], []).rateBefore).toBeNaN();
  });

  it('handles segments without events (0 · ln 0 = 0)', () => {
    const profile = changePointProfile([0, 0, 0, 0, 5, 6, 4, 5], [10, 10, 10, 10, 10, 10, 10, 10], { minSegment: 2 });
    expect(profile.best).toBe(4);
    expect(profile.rateBefore).toBe(0);
    expect(profile.rateAfter).toBe(0.5);
  });

  it('rejects mismatched lengths, negative or non-finite input and bad minSegment', () => {
    expect(() => changePointProfile([1, 2], [1])).toThrow(/y has 2 slices but exposure has 1/);
    expect(() => changePointProfile([1, 2], [1, -1])).toThrow(/exposure\[1\] is -1/);
    expect(() => changePointProfile([1, Number.NaN], [1, 1])).toThrow(/y\[1\] is NaN/);
    expect(() => changePointProfile([1], [1], { minSegment: 0 })).toThrow(/minSegment must be a positive integer/);
  });
});
