import { describe, expect, it } from 'vitest';
import { createRng } from '../../detect/random.js';
import { PoissonSchedule, exponentialGapMs } from './poisson-schedule.js';

describe('Poisson arrivals (seeded)', () => {
  it('draws exponential gaps with mean 1/rate: within 4 standard errors (the sd of an exponential equals its mean)', () => {
    const n = 20_000;
    const rng = createRng(3);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += exponentialGapMs(rng, 12.5);
    const meanMs = 1000 / 12.5;
    expect(Math.abs(sum / n - meanMs)).toBeLessThan(4 * (meanMs / Math.sqrt(n)));
  });

  it('puts Poisson counts in one-second windows: mean ≈ rate and index of dispersion ≈ 1', () => {
    const rate = 12.5;
    const windows = 2000;
    const counts = new Array<number>(windows).fill(0);
    const schedule = new PoissonSchedule(createRng(4), rate, 0);
    for (let t = schedule.next(); t < windows * 1000; t = schedule.next()) counts[Math.floor(t / 1000)]! += 1;
    const mean = counts.reduce((a, b) => a + b, 0) / windows;
    const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (windows - 1);
    // Mean of `windows` Poisson(rate) counts: standard error √(rate / windows).
    expect(Math.abs(mean - rate)).toBeLessThan(4 * Math.sqrt(rate / windows));
    // (n − 1)·s²/mean is χ²(n − 1) for Poisson counts: the dispersion index has sd ≈ √(2 / (n − 1)).
    expect(Math.abs(variance / mean - 1)).toBeLessThan(4 * Math.sqrt(2 / (windows - 1)));
  });

  it('starts one gap after startMs, increases strictly, and repeats for the same seed', () => {
    const a = new PoissonSchedule(createRng(9), 50, 1000);
    const b = new PoissonSchedule(createRng(9), 50, 1000);
    const times = Array.from({ length: 100 }, () => a.next());
    expect(times[0]).toBeGreaterThan(1000);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(times);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new PoissonSchedule(createRng(1), 0, 0)).toThrow(/arrival rate must be > 0/);
  });
});
