import { describe, expect, it } from 'vitest';
import { accumulateCrossLagProducts, accumulateLagProducts, ar1MeanFactor, demeaningBias, fitMoments, fitSerialCorrelation, varianceInflation } from './serial-correlation.js';
import type { SerialFit } from './serial-correlation.js';
import { createRng } from './random.js';
import type { Rng } from './random.js';
import { blockLength, resampleIndices } from './stats/block-bootstrap.js';
import { BASE } from './panel.js';
import { normal } from '../sim/distributions.js';
import { ar1Path, countPanel, countRow, trackOf } from '../../test/support/detect-panels.js';

/** Σ_{|k|<n} (1 − |k|/n) φ^|k|, term by term. */
function bruteMeanFactor(phi: number, n: number): number {
  let s = 0;
  for (let k = -(n - 1); k <= n - 1; k++) s += (1 - Math.abs(k) / n) * phi ** Math.abs(k);
  return s;
}

/**
 * Exact expectations of the lag-0..2 sample autocovariances of a demeaned series of length m drawn
 * from AR(1) (stationary variance s2) plus white noise (variance e2): E[(x_t − x̄)(x_s − x̄)] averaged
 * over the m − k pairs of each lag.
 */
function demeanedAutocovariances(phi: number, s2: number, e2: number, m: number): number[] {
  const cov = (t: number, s: number): number => s2 * phi ** Math.abs(t - s) + (t === s ? e2 : 0);
  const rowMean = Array.from({ length: m }, (_, t) => Array.from({ length: m }, (_, j) => cov(t, j)).reduce((a, b) => a + b, 0) / m);
  const all = rowMean.reduce((a, b) => a + b, 0) / m;
  return [0, 1, 2].map((k) => {
    let sum = 0;
    for (let t = k; t < m; t++) sum += cov(t, t - k) - (rowMean[t] ?? 0) - (rowMean[t - k] ?? 0) + all;
    return sum / (m - k);
  });
}

/** Variance of the mean of m slices under a fit. */
const windowVariance = (fit: SerialFit, m: number): number => (fit.driftVariance * ar1MeanFactor(fit.phi, m) + fit.noiseVariance) / m;

describe('ar1MeanFactor', () => {
  it('equals Σ_{|k|<n} (1 − |k|/n) φ^|k|', () => {
    for (const phi of [0.1, 0.5, 0.9, 0.97]) {
      for (const n of [2, 5, 20, 100, 500]) expect(ar1MeanFactor(phi, n)).toBeCloseTo(bruteMeanFactor(phi, n), 9);
    }
  });

  it('is 1 for white noise and a single slice, and tends to (1+φ)/(1−φ)', () => {
    expect(ar1MeanFactor(0, 50)).toBe(1);
    expect(ar1MeanFactor(0.8, 1)).toBe(1);
    expect(ar1MeanFactor(0.5, 1e7)).toBeCloseTo(3, 5);
  });
});

describe('fitMoments', () => {
  const cases = [
    { phi: 0.5, s2: 1, e2: 2, m: 60 },
    { phi: 0.8, s2: 1, e2: 0.5, m: 60 },
    { phi: 0.9, s2: 2, e2: 1, m: 120 },
  ];
  const persistent = { phi: 0.95, s2: 1, e2: 0.5, m: 30 };

  /** Autocovariances as the fit models them: γ(k) plus the exact expected demeaning bias. */
  const modelled = ({ phi, s2, e2, m }: (typeof cases)[number]): number[] => {
    const bias = demeaningBias(phi, s2, e2, m);
    return [s2 + e2 + (bias[0] ?? 0), s2 * phi + (bias[1] ?? 0), s2 * phi * phi + (bias[2] ?? 0)];
  };

  it('inverts its own bias model', () => {
    for (const c of cases) {
      const fit = fitMoments(modelled(c), c.m);
      expect(fit.phi).toBeCloseTo(c.phi, 3);
      expect(fit.driftVariance / c.s2).toBeCloseTo(1, 2);
      expect(fit.noiseVariance / c.e2).toBeCloseTo(1, 2);
    }
  });

  // Was a bug: the fixed-point iteration stopped after 20 rounds (≈ 150 are needed here).
  it('inverts its own bias model for a persistent drift (iteration converges)', () => {
    const fit = fitMoments(modelled(persistent), persistent.m);
    expect(fit.driftVariance / persistent.s2).toBeCloseTo(1, 2);
  });

  it('recovers φ and the variance split from the exact expected demeaned autocovariances (moderate persistence)', () => {
    for (const { phi, s2, e2, m } of cases) {
      const fit = fitMoments(demeanedAutocovariances(phi, s2, e2, m), m);
      expect(Math.abs(fit.phi - phi)).toBeLessThan(0.05);
      expect(Math.abs(fit.driftVariance / s2 - 1)).toBeLessThan(0.03);
      expect(Math.abs(fit.noiseVariance / e2 - 1)).toBeLessThan(0.03);
    }
  });

  // Was a bug: the correction lowered every lag by σs²·g(m)/m only (no noise, no edge terms), so a
  // persistent drift in a short window came out 27% too small; the exact expected bias fixes it.
  it('recovers the variance of the window mean from exact expected moments of a persistent drift in a short window', () => {
    const [phi, s2, e2, m] = [0.9, 1, 0.5, 30];
    const fit = fitMoments(demeanedAutocovariances(phi, s2, e2, m), m);
    expect(Math.abs(windowVariance(fit, m) / ((s2 * ar1MeanFactor(phi, m) + e2) / m) - 1)).toBeLessThan(0.1);
  });

  it('reports pure noise when an autocovariance is not positive or the series are too short', () => {
    expect(fitMoments([2, -0.1, 0.05], 60)).toEqual({ phi: 0, driftVariance: 0, noiseVariance: 2 });
    expect(fitMoments([2, 0.5, 0.3], 2)).toEqual({ phi: 0, driftVariance: 0, noiseVariance: 2 });
    expect(fitMoments([], 60)).toEqual({ phi: 0, driftVariance: 0, noiseVariance: 0 });
  });

  it('caps φ at 0.97', () => {
    expect(fitMoments([1, 0.5, 0.5], 60).phi).toBeLessThanOrEqual(0.97);
  });
});

describe('fitSerialCorrelation', () => {
  it('recovers AR(1)-plus-noise parameters from a long seeded simulation', () => {
    const rng = createRng(5);
    const m = 60;
    const rows = Array.from({ length: 300 }, (_, i) => {
      const drift = ar1Path(rng, m, 0.8, 1);
      const y = Array.from(drift, (d) => 10 + d + normal(rng, 0, Math.sqrt(0.5)));
      return countRow(trackOf(`i${i}`, 'B'.repeat(m)), (t) => y[t] ?? 0, () => 1);
    });
    const fit = fitSerialCorrelation(countPanel(rows), [BASE]);
    expect(Math.abs(fit.phi - 0.8)).toBeLessThan(0.04);
    expect(Math.abs(fit.driftVariance - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.noiseVariance - 0.5)).toBeLessThan(0.05);
  });

  it('finds no drift in Poisson counts around a constant rate', () => {
    const rng = createRng(6);
    const rows = Array.from({ length: 50 }, (_, i) => {
      const y = Array.from({ length: 40 }, () => Math.round(normal(rng, 100, 10)));
      return countRow(trackOf(`i${i}`, 'B'.repeat(40)), (t) => y[t] ?? 0, () => 1000);
    });
    const fit = fitSerialCorrelation(countPanel(rows), [BASE]);
    expect(fit.driftVariance).toBeLessThan(0.1 * fit.noiseVariance);
  });
});

/** Mean over `series` seeded series of the moving-block bootstrap variance of the mean, and the empirical variance of the means. */
function bootstrapStudy(rng: Rng, fit: SerialFit, m: number, series: number, resamples: number): { bootstrap: number; empirical: number } {
  const l = blockLength(m);
  const out = new Int32Array(m);
  let bootstrapSum = 0;
  const means: number[] = [];
  for (let r = 0; r < series; r++) {
    const x = fit.driftVariance > 0 ? ar1Path(rng, m, fit.phi, fit.driftVariance) : new Float64Array(m);
    for (let t = 0; t < m; t++) x[t] = (x[t] ?? 0) + normal(rng, 0, Math.sqrt(fit.noiseVariance));
    means.push(x.reduce((a, b) => a + b, 0) / m);
    let s = 0;
    let ss = 0;
    for (let b = 0; b < resamples; b++) {
      resampleIndices(rng, m, l, out);
      let mean = 0;
      for (const i of out) mean += x[i] ?? 0;
      mean /= m;
      s += mean;
      ss += mean * mean;
    }
    bootstrapSum += (ss - (s * s) / resamples) / (resamples - 1);
  }
  const grand = means.reduce((a, b) => a + b, 0) / series;
  return { bootstrap: bootstrapSum / series, empirical: means.reduce((a, b) => a + (b - grand) ** 2, 0) / (series - 1) };
}

describe('varianceInflation', () => {
  it('is at least 1 over a grid of fits', () => {
    for (const phi of [0, 0.3, 0.7, 0.9, 0.97]) {
      for (const split of [0, 0.5, 1]) {
        for (const m of [2, 10, 60, 300]) {
          for (const l of [1, 3, 10]) {
            const value = varianceInflation({ phi, driftVariance: split, noiseVariance: 1 - split }, m, Math.min(l, m));
            expect(value).toBeGreaterThanOrEqual(1);
          }
        }
      }
    }
  });

  it('is 1 without variance or with a single slice', () => {
    expect(varianceInflation({ phi: 0.9, driftVariance: 0, noiseVariance: 0 }, 60, 6)).toBe(1);
    expect(varianceInflation({ phi: 0.9, driftVariance: 1, noiseVariance: 1 }, 1, 1)).toBe(1);
  });

  it('for white noise only undoes the centring of the blocks: 1/(1 − L/m), → 1 for short blocks', () => {
    const noise = { phi: 0, driftVariance: 0, noiseVariance: 1 };
    expect(varianceInflation(noise, 60, 6)).toBeCloseTo(1 / (1 - 6 / 60), 12);
    expect(varianceInflation(noise, 10_000, 1)).toBeCloseTo(1, 3);
  });

  it('makes the moving-block bootstrap variance of white noise match the true variance of the mean', () => {
    const fit = { phi: 0, driftVariance: 0, noiseVariance: 1 };
    const m = 60;
    const { bootstrap } = bootstrapStudy(createRng(21), fit, m, 400, 100);
    expect(Math.abs((bootstrap * varianceInflation(fit, m, blockLength(m))) / (1 / m) - 1)).toBeLessThan(0.05);
  });

  it('makes the moving-block bootstrap variance of an AR(1) with φ = 0.9 match the true variance of the mean', () => {
    for (const fit of [
      { phi: 0.9, driftVariance: 1, noiseVariance: 0 },
      { phi: 0.9, driftVariance: 1, noiseVariance: 0.5 },
    ]) {
      const m = 60;
      const truth = windowVariance(fit, m);
      const { bootstrap, empirical } = bootstrapStudy(createRng(22), fit, m, 400, 100);
      // The raw bootstrap sees a fraction of it; the inflated one all of it (sampling error of 400 series ≈ 4%).
      expect(bootstrap / truth).toBeLessThan(0.3);
      expect(Math.abs((bootstrap * varianceInflation(fit, m, blockLength(m))) / truth - 1)).toBeLessThan(0.12);
      expect(Math.abs(empirical / truth - 1)).toBeLessThan(0.2);
    }
  });
});

describe('accumulateCrossLagProducts', () => {
  /** The definition: every ordered pair of different series, one pair at a time. */
  function pairwise(xs: readonly Float64Array[]): { sums: number[]; counts: number[] } {
    const sums = [0, 0, 0];
    const counts = [0, 0, 0];
    xs.forEach((a, i) => xs.forEach((b, j) => i !== j && accumulateLagProducts(a, b, sums, counts)));
    return { sums, counts };
  }

  it('equals the sum over every pair of different series, gaps (NaN) skipped, at lags 0..2', () => {
    const rng = createRng(31);
    for (const [series, slices] of [[2, 5], [7, 40], [40, 120]] as const) {
      const xs = Array.from({ length: series }, () => Float64Array.from({ length: slices }, () => (rng.next() < 0.15 ? NaN : normal(rng) * 3 + 0.5)));
      const sums = [1, 2, 3];
      const counts = [4, 5, 6];
      accumulateCrossLagProducts(xs, sums, counts);
      const expected = pairwise(xs);
      expected.sums.forEach((s, lag) => expect(sums[lag]).toBeCloseTo(s + lag + 1, 8));
      expect(counts).toEqual(expected.counts.map((c, lag) => c + lag + 4));
    }
  });

  it('adds nothing for a single series or none', () => {
    const sums = [0, 0, 0];
    const counts = [0, 0, 0];
    accumulateCrossLagProducts([Float64Array.of(1, 2, 3)], sums, counts);
    accumulateCrossLagProducts([], sums, counts);
    expect(sums).toEqual([0, 0, 0]);
    expect(counts).toEqual([0, 0, 0]);
  });
});
