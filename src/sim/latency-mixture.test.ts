import { describe, expect, it } from 'vitest';
import { BASE_MIXTURE, fillCellProbabilities, mixtureQuantile, tailShiftForQuantile, withTail } from './latency-mixture.js';
import { normalQuantile } from './normal-math.js';

const MU = Math.log(0.08);
const SIGMA = 0.5;

describe('fillCellProbabilities', () => {
  it('gives cell probabilities summing to 1 and conditional means consistent with the lognormal mean', () => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    const logBounds = Float64Array.from(bounds, Math.log);
    const probs = new Float64Array(bounds.length + 1);
    const means = new Float64Array(bounds.length + 1);
    const mixture = withTail(BASE_MIXTURE, { fraction: 0.02, factor: 4 });
    fillCellProbabilities(logBounds, MU, SIGMA, mixture, probs, means);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    let mean = 0;
    probs.forEach((p, i) => {
      mean += p * means[i]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i] ?? Infinity;
      if (p > 1e-12) {
        expect(means[i]!).toBeGreaterThanOrEqual(lower);
        expect(means[i]!).toBeLessThanOrEqual(upper);
      }
    });
    const expected = Math.exp(MU + SIGMA * SIGMA / 2) * (0.98 + 0.02 * 4);
    expect(mean / expected).toBeCloseTo(1, 10);
  });
});

describe('tailShiftForQuantile', () => {
  it.each([
    [0.99, 1.1],
    [0.99, 1.4],
    [0.95, 1.25],
    [0.999, 2],
  ])('moves quantile %s by exactly x%s and the median by less than the slowed fraction', (q, factor) => {
    const tail = tailShiftForQuantile(q, factor, SIGMA);
    const before = mixtureQuantile(q, MU, SIGMA, BASE_MIXTURE);
    expect(before).toBeCloseTo(Math.exp(MU + SIGMA * normalQuantile(q)), 10);
    const mixture = withTail(BASE_MIXTURE, tail);
    expect(mixtureQuantile(q, MU, SIGMA, mixture) / before).toBeCloseTo(factor, 8);
    const medianRatio = mixtureQuantile(0.5, MU, SIGMA, mixture) / Math.exp(MU);
    expect(medianRatio).toBeGreaterThan(1);
    expect(medianRatio).toBeLessThan(1 + tail.fraction);
    if (q === 0.99) expect(medianRatio).toBeLessThan(1.02);
  });

  it('honours an explicit fraction and refuses impossible ones', () => {
    const tail = tailShiftForQuantile(0.99, 1.2, SIGMA, 0.05);
    expect(tail.fraction).toBe(0.05);
    expect(mixtureQuantile(0.99, MU, SIGMA, withTail(BASE_MIXTURE, tail)) / mixtureQuantile(0.99, MU, SIGMA, BASE_MIXTURE)).toBeCloseTo(1.2, 8);
    expect(() => tailShiftForQuantile(0.99, 1.4, SIGMA, 0.001)).toThrow(/fraction must be in/);
    expect(() => tailShiftForQuantile(0.99, 0.9, SIGMA)).toThrow(/> 1/);
  });
});
