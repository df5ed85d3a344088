import { describe, expect, it } from 'vitest';
import { ar1MeanFactor, differenceInDifferencesVariance, modelVariance, weightedAr1Sum } from './model-variance.js';
import { beforeAfterRate, differenceInDifferencesRate } from './count-estimators.js';
import { BASE, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import { createRng } from './random.js';
import { poisson } from '../sim/distributions.js';
import { ar1Path, countPanel, countRow, trackOf } from '../../test/support/detect-panels.js';

function bruteAr1Sum(w: readonly number[], phi: number): number {
  let s = 0;
  w.forEach((a, t) => w.forEach((b, u) => (s += a * b * phi ** Math.abs(t - u))));
  return s;
}

describe('weightedAr1Sum', () => {
  it('equals Σ_t Σ_u w_t w_u φ^|t−u|, zero weights (gaps) included', () => {
    const rng = createRng(3);
    for (const phi of [0, 0.3, 0.8, 0.97]) {
      const w = Array.from({ length: 40 }, (_, t) => (t % 7 === 3 || (t > 20 && t < 26) ? 0 : 1 + rng.int(100)));
      expect(weightedAr1Sum(Float64Array.from(w), phi) / bruteAr1Sum(w, phi)).toBeCloseTo(1, 12);
    }
  });

  it('is n·g(n) for unit weights, Σw² for φ = 0, and 0 without weights', () => {
    expect(weightedAr1Sum(new Float64Array(50).fill(1), 0.9)).toBeCloseTo(50 * ar1MeanFactor(0.9, 50), 9);
    expect(weightedAr1Sum(Float64Array.from([1, 2, 0, 3]), 0)).toBe(14);
    expect(weightedAr1Sum(new Float64Array(5), 0.5)).toBe(0);
  });

  it('lets a gap age the correlation: weights two slices apart correlate by φ²', () => {
    expect(weightedAr1Sum(Float64Array.from([1, 0, 1]), 0.5)).toBeCloseTo(2 + 2 * 0.25, 12);
  });
});

/** Options of one simulated panel: log rate = log(rate) + per-instance AR(1) + common AR(1); Poisson counts. */
interface Simulation {
  readonly treated: number;
  readonly controls: number;
  readonly drift: { phi: number; sd: number };
  readonly common: { phi: number; sd: number };
  readonly requests: number;
  readonly rate: number;
}

const SLICES = 60;

function simulate(seed: number, sim: Simulation): CountPanel {
  const rng = createRng(seed);
  const m = 2 * SLICES;
  const common = sim.common.sd > 0 ? ar1Path(rng, m, sim.common.phi, sim.common.sd ** 2) : new Float64Array(m);
  const rows = Array.from({ length: sim.treated + sim.controls }, (_, i) => {
    const drift = sim.drift.sd > 0 ? ar1Path(rng, m, sim.drift.phi, sim.drift.sd ** 2) : new Float64Array(m);
    const requests = Array.from({ length: m }, () => sim.requests * (0.8 + 0.4 * rng.next()));
    const events = requests.map((n, t) => poisson(rng, n * sim.rate * Math.exp((drift[t] ?? 0) + (common[t] ?? 0))));
    const pattern = 'B'.repeat(SLICES) + (i < sim.treated ? 'T' : 'C').repeat(SLICES);
    return countRow(trackOf(`i${i}`, pattern), (t) => events[t] ?? 0, (t) => requests[t] ?? 0);
  });
  return countPanel(rows);
}

const variance = (xs: readonly number[]): number => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
};
const range = (from: number, to: number): Int32Array => Int32Array.from({ length: to - from }, (_, i) => from + i);
const REPLICATES = 300;

/** Mean and median predicted, and empirical, variance of an estimate over seeded replicates. */
interface Study {
  readonly predicted: number;
  readonly median: number;
  readonly empirical: number;
}

function summarise(estimates: readonly number[], predictions: readonly number[]): Study {
  const sorted = [...predictions].sort((a, b) => a - b);
  return {
    predicted: predictions.reduce((a, b) => a + b, 0) / predictions.length,
    median: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    empirical: variance(estimates),
  };
}

/** Predicted and empirical variance of the before-after log rate ratio over seeded replicates. */
function beforeAfterStudy(sim: Simulation, common: boolean): Study {
  const estimates: number[] = [];
  const predictions: number[] = [];
  for (let r = 0; r < REPLICATES; r++) {
    const panel = simulate(1000 + r, sim);
    const out = new Float64Array(1);
    beforeAfterRate(panel)(range(0, SLICES), range(SLICES, 2 * SLICES), out);
    estimates.push(out[0] ?? NaN);
    const model = modelVariance(panel, BASE, TREAT, { common });
    if (model === null) throw new Error(`replicate ${r}: no events`);
    expect(model.degreesOfFreedom).toBeGreaterThanOrEqual(4);
    expect(model.degreesOfFreedom).toBeLessThanOrEqual(200);
    predictions.push(model.baseline + model.after);
  }
  return summarise(estimates, predictions);
}

/** Predicted and empirical variance of the difference-in-differences estimate. */
function differenceStudy(sim: Simulation): Study {
  const estimates: number[] = [];
  const predictions: number[] = [];
  const treated = new Set(Array.from({ length: sim.treated }, (_, i) => i));
  const controls = new Set(Array.from({ length: sim.controls }, (_, i) => sim.treated + i));
  for (let r = 0; r < REPLICATES; r++) {
    const panel = simulate(2000 + r, sim);
    const out = new Float64Array(1);
    differenceInDifferencesRate(panel)(range(0, SLICES), range(SLICES, 2 * SLICES), out);
    estimates.push(out[0] ?? NaN);
    const model = differenceInDifferencesVariance(panel, treated, controls);
    if (model === null) throw new Error(`replicate ${r}: no events`);
    predictions.push(model.variance);
  }
  return summarise(estimates, predictions);
}

const POISSON_ONLY: Simulation = { treated: 8, controls: 0, drift: { phi: 0, sd: 0 }, common: { phi: 0, sd: 0 }, requests: 2000, rate: 0.02 };
const DRIFTING: Simulation = { ...POISSON_ONLY, drift: { phi: 0.8, sd: 0.15 } };

describe('modelVariance', () => {
  it('is null when a side has no events', () => {
    const panel = countPanel([countRow(trackOf('a', 'BBBBTTTT'), (t) => (t < 4 ? 3 : 0), () => 100)]);
    expect(modelVariance(panel, BASE, TREAT)).toBeNull();
  });

  it('matches the variance of the log rate ratio for Poisson counts (common component left out)', () => {
    const { predicted, empirical } = beforeAfterStudy(POISSON_ONLY, false);
    expect(Math.abs(predicted / empirical - 1)).toBeLessThan(0.2);
  });

  it('matches it under per-instance AR(1) drift when the common component is left out', () => {
    const { predicted, empirical } = beforeAfterStudy(DRIFTING, false);
    expect(Math.abs(predicted / empirical - 1)).toBeLessThan(0.2);
  });

  it('with the default (common component fitted), is right in a typical replicate (median)', () => {
    for (const sim of [POISSON_ONLY, DRIFTING]) {
      const { median, empirical } = beforeAfterStudy(sim, true);
      expect(Math.abs(median / empirical - 1)).toBeLessThan(0.2);
    }
  });

  // BUG (statistical, conservative): with no common component in the data, the cross-instance
  // moments are noise, yet `fitMoments` turns positive noise into a common drift (φ up to 0.97) in
  // about 30% of replicates, and its weight (Σ_i n_it)² makes it count: the mean predicted variance
  // is ≈ 1.4× the empirical one here (≈ 1.25× for pure Poisson counts; ≈ 1.08× with `common: false`),
  // with a heavy right tail (90th percentile ≈ 2.9×), so the test loses power at random.
  it('matches it on average under per-instance AR(1) drift with the default (common component fitted)', () => {
    const { predicted, empirical } = beforeAfterStudy(DRIFTING, true);
    expect(Math.abs(predicted / empirical - 1)).toBeLessThan(0.2);
  });
});

describe('differenceInDifferencesVariance', () => {
  it('is null when an arm has no events', () => {
    const panel = countPanel([
      countRow(trackOf('t', 'BBBBTTTT'), () => 3, () => 100),
      countRow(trackOf('c', 'BBBBCCCC'), (t) => (t < 4 ? 3 : 0), () => 100),
    ]);
    expect(differenceInDifferencesVariance(panel, new Set([0]), new Set([1]))).toBeNull();
  });

  it('matches the variance of the DiD estimate under per-instance drift (median; mean conservative)', () => {
    const { predicted, median, empirical } = differenceStudy({ ...DRIFTING, treated: 8, controls: 8 });
    expect(Math.abs(median / empirical - 1)).toBeLessThan(0.2);
    // The sum of the two arms' variances exceeds the Mantel-Haenszel estimate's (≈ 10%), and the
    // fits' right tail lifts the mean further (measured ≈ 1.28×).
    expect(predicted / empirical).toBeGreaterThan(0.9);
    expect(predicted / empirical).toBeLessThan(1.4);
  });

  // BUG (statistical, conservative): a load or time-of-day drift shared by all instances cancels in
  // the DiD estimate, but the per-arm fits use within-instance moments, which contain it; the
  // predicted variance is then ≈ 4× the empirical one on average and ≈ 3× in the median replicate
  // (common AR(1) φ = 0.9, sd 0.2), exactly in the situation DiD is chosen for: real shifts are missed.
  it('is not inflated by a common drift that the DiD estimate cancels', () => {
    const { median, empirical } = differenceStudy({ ...DRIFTING, treated: 8, controls: 8, common: { phi: 0.9, sd: 0.2 } });
    expect(Math.abs(median / empirical - 1)).toBeLessThan(0.2);
  });
});
