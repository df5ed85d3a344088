import { describe, expect, it } from 'vitest';
import { createRng } from '../detect/random.js';
import { betaAr1, burstProcess, diurnalMultiplier, gammaAr1, gaussianAr1, loadMultiplier, phiForInterval, type SteppedProcess } from './latent-processes.js';

const N = 50_000;
const Z = 5;

function sample(process: SteppedProcess): Float64Array {
  const xs = new Float64Array(N);
  for (let i = 0; i < N; i++) xs[i] = process.next();
  return xs;
}

function stats(xs: Float64Array): { mean: number; variance: number; lag1: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - mean;
    c0 += d * d;
    if (i > 0) c1 += d * (xs[i - 1]! - mean);
  }
  return { mean, variance: c0 / xs.length, lag1: c1 / c0 };
}

/** AR(1): SE of the mean is sd/√N·√((1+φ)/(1−φ)); SE of the lag-1 autocorrelation ≈ √((1−φ²)/N) (Bartlett). */
function expectAr1(xs: Float64Array, mean: number, variance: number, phi: number): void {
  const s = stats(xs);
  expect(Math.abs(s.mean - mean)).toBeLessThan(Z * Math.sqrt(variance / N) * Math.sqrt((1 + phi) / (1 - phi)));
  expect(s.variance / variance).toBeGreaterThan(0.9);
  expect(s.variance / variance).toBeLessThan(1.1);
  expect(Math.abs(s.lag1 - phi)).toBeLessThan(Z * Math.sqrt((1 - phi * phi) / N) + 0.01);
}

describe('AR(1) processes', () => {
  it.each([
    [4, 0.8],
    [25, 0.5],
    [0.7, 0.9],
    [400, 0.9],
  ])('gamma AR(1) with shape %s and phi %s is Gamma(shape, 1) with lag-1 autocorrelation phi', (shape, phi) => {
    expectAr1(sample(gammaAr1(createRng(1), shape, phi)), shape, shape, phi);
  });

  it('burst multiplier has mean 1 and the requested coefficient of variation', () => {
    expectAr1(sample(burstProcess(createRng(2), 0.3, 0.7)), 1, 0.09, 0.7);
    expect(sample(burstProcess(createRng(2), 0, 0.7)).every((x) => x === 1)).toBe(true);
  });

  it('gaussian AR(1) has the stationary sd and phi', () => {
    expectAr1(sample(gaussianAr1(createRng(3), 0.05, 0.9)), 0, 0.0025, 0.9);
  });

  it('beta AR(1) has mean p and variance p(1−p)·dispersion', () => {
    const p = 0.04;
    const rho = 0.01;
    expectAr1(sample(betaAr1(createRng(4), p, rho, 0.6)), p, p * (1 - p) * rho, 0.6);
    const independent = stats(sample(betaAr1(createRng(5), p, rho, 0)));
    expect(Math.abs(independent.lag1)).toBeLessThan(Z / Math.sqrt(N));
  });

  it('converts a per-minute phi to the scrape interval', () => {
    expect(phiForInterval(0.8, 60_000)).toBeCloseTo(0.8, 12);
    expect(phiForInterval(0.81, 30_000)).toBeCloseTo(0.9, 12);
    expect(phiForInterval(0, 15_000)).toBe(0);
  });
});

describe('deterministic multipliers', () => {
  it('diurnal peaks at the peak offset and bottoms half a period later', () => {
    const spec = { amplitude: 0.2, peakOffsetMs: 14 * 3_600_000 };
    const day = Date.parse('2026-04-10T00:00:00Z');
    expect(diurnalMultiplier(spec, day + 14 * 3_600_000)).toBeCloseTo(1.2, 12);
    expect(diurnalMultiplier(spec, day + 2 * 3_600_000)).toBeCloseTo(0.8, 12);
    expect(diurnalMultiplier(undefined, day)).toBe(1);
  });

  it('load ramp is a trapezoid limited to its services', () => {
    const ramps = [{ startMs: 1000, endMs: 5000, rampMs: 1000, factor: 3, services: ['gateway'] }];
    expect(loadMultiplier(ramps, 'gateway', 999)).toBe(1);
    expect(loadMultiplier(ramps, 'gateway', 1500)).toBeCloseTo(2, 12);
    expect(loadMultiplier(ramps, 'gateway', 3000)).toBe(3);
    expect(loadMultiplier(ramps, 'gateway', 4500)).toBeCloseTo(2, 12);
    expect(loadMultiplier(ramps, 'gateway', 5000)).toBe(1);
    expect(loadMultiplier(ramps, 'sync', 3000)).toBe(1);
  });
});
