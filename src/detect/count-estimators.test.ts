import { describe, expect, it } from 'vitest';
import { beforeAfterRate, differenceInDifferencesRate, sumsByState } from './count-estimators.js';
import { BASE, CTRL, TREAT } from './panel.js';
import type { CountRow } from './panel.js';
import { countPanel, countRow, trackOf } from '../../test/support/detect-panels.js';

const range = (from: number, to: number): Int32Array => Int32Array.from({ length: to - from }, (_, i) => from + i);

function evaluate(estimator: ReturnType<typeof beforeAfterRate>, baseline: Int32Array, after: Int32Array): number {
  const out = new Float64Array(1);
  estimator(baseline, after, out);
  return out[0] ?? NaN;
}

describe('sumsByState', () => {
  it('pools events and exposure per slice over the instances in the state only', () => {
    const panel = countPanel([
      countRow(trackOf('a', 'BBTT'), (t) => t + 1, () => 10),
      countRow(trackOf('b', 'BBCC'), () => 100, () => 1000),
      countRow(trackOf('c', 'B.TT'), () => 2, () => 20),
    ]);
    const base = sumsByState(panel, BASE);
    expect(Array.from(base.y)).toEqual([1 + 100 + 2, 2 + 100, 0, 0]);
    expect(Array.from(base.n)).toEqual([1030, 1010, 0, 0]);
    const treat = sumsByState(panel, TREAT);
    expect(Array.from(treat.y)).toEqual([0, 0, 3 + 2, 4 + 2]);
    expect(Array.from(treat.n)).toEqual([0, 0, 30, 30]);
    expect(Array.from(sumsByState(panel, CTRL).n)).toEqual([0, 0, 1000, 1000]);
  });
});

describe('beforeAfterRate', () => {
  const panel = countPanel([
    countRow(trackOf('a', 'BBBTTT'), (t) => [3, 5, 4, 9, 8, 10][t] ?? 0, () => 100),
    countRow(trackOf('b', 'BBBTTT'), (t) => [1, 0, 2, 4, 6, 5][t] ?? 0, () => 50),
  ]);

  it('is the log ratio of pooled rates with 0.5 added to each side’s events', () => {
    const expected = Math.log((9 + 8 + 10 + 4 + 6 + 5 + 0.5) / 450) - Math.log((3 + 5 + 4 + 1 + 0 + 2 + 0.5) / 450);
    expect(evaluate(beforeAfterRate(panel), range(0, 3), range(3, 6))).toBeCloseTo(expected, 12);
  });

  it('counts a slice as often as a replicate lists it', () => {
    const expected = Math.log((13 + 13 + 14 + 0.5) / 450) - Math.log((4 + 4 + 5 + 0.5) / 450);
    expect(evaluate(beforeAfterRate(panel), Int32Array.from([0, 0, 1]), Int32Array.from([3, 3, 4]))).toBeCloseTo(expected, 12);
  });

  it('stays finite without events (continuity) and is NaN without exposure on a side', () => {
    const quiet = countPanel([countRow(trackOf('a', 'BBTTT'), () => 0, (t) => (t < 2 ? 100 : 300))]);
    expect(evaluate(beforeAfterRate(quiet), range(0, 2), range(2, 5))).toBeCloseTo(Math.log(200 / 900), 12);
    const noBase = countPanel([countRow(trackOf('a', '..TTT'), () => 1, () => 10)]);
    expect(evaluate(beforeAfterRate(noBase), Int32Array.from([0, 1]), range(2, 5))).toBeNaN();
    expect(evaluate(beforeAfterRate(noBase), new Int32Array(0), range(2, 5))).toBeNaN();
  });
});

describe('differenceInDifferencesRate', () => {
  const B = 60;
  const A = 60;
  const treated = 'B'.repeat(B) + 'T'.repeat(A);
  const control = 'B'.repeat(B) + 'C'.repeat(A);
  /** Multiplicative shock shared by every instance: load spikes in the baseline and the after window. */
  const shock = (t: number): number => (t >= 10 && t < 20 ? 2 : t >= 70 && t < 85 ? 3 : t >= 100 ? 0.5 : 1);
  /** Treated and control arms with the same mix of instance rates (per request) and exposures. */
  const mix = [
    { rate: 0.01, requests: 1000 },
    { rate: 0.03, requests: 2500 },
  ];
  function panelWith(effect: number, common: (t: number) => number): ReturnType<typeof countPanel> {
    const rows: CountRow[] = [];
    mix.forEach(({ rate, requests }, i) => {
      rows.push(countRow(trackOf(`t${i}`, treated), (t) => requests * rate * common(t) * (t >= B ? effect : 1), () => requests));
      rows.push(countRow(trackOf(`c${i}`, control), (t) => requests * rate * common(t), () => requests));
    });
    return countPanel(rows);
  }

  it('recovers the treated effect when a common shock hits every instance', () => {
    const estimate = evaluate(differenceInDifferencesRate(panelWith(1.5, shock)), range(0, B), range(B, B + A));
    expect(estimate).toBeCloseTo(Math.log(1.5), 3);
    // The same shock fools a before-after comparison of the treated instances.
    const naive = evaluate(beforeAfterRate(panelWith(1.5, shock)), range(0, B), range(B, B + A));
    expect(Math.abs(naive - Math.log(1.5))).toBeGreaterThan(0.05);
  });

  it('is exactly 0 for identical arms, with or without a shock', () => {
    expect(evaluate(differenceInDifferencesRate(panelWith(1, shock)), range(0, B), range(B, B + A))).toBe(0);
    expect(evaluate(differenceInDifferencesRate(panelWith(1, () => 1)), range(0, B), range(B, B + A))).toBe(0);
  });

  it('recovers a negative effect (improvement) too', () => {
    const estimate = evaluate(differenceInDifferencesRate(panelWith(0.7, shock)), range(0, B), range(B, B + A));
    expect(estimate).toBeCloseTo(Math.log(0.7), 3);
  });

  // BUG (statistical): each instance's baseline rate is shrunk towards the pooled baseline by five
  // slices' worth of exposure. When the treated instances' baseline rate differs from the controls'
  // (here 2×, 60 baseline slices), the shrinkage makes the treated look above and the controls below
  // their own baselines, so the estimate is log(1.059) ≈ 0.057 with no effect at all (≈ 0.138 for 4×);
  // the bias does not shrink with a longer after window.
  it('standardises by each instance’s own baseline: arms with different baseline rates and no effect give 0', () => {
    const rows = [
      countRow(trackOf('t0', treated), () => 20, () => 1000),
      countRow(trackOf('t1', treated), () => 20, () => 1000),
      countRow(trackOf('c0', control), () => 10, () => 1000),
      countRow(trackOf('c1', control), () => 10, () => 1000),
    ];
    const estimate = evaluate(differenceInDifferencesRate(countPanel(rows)), range(0, B), range(B, B + A));
    expect(Math.abs(estimate)).toBeLessThan(0.01);
  });

  it('is NaN when the baseline slices hold no exposure or the after slices no events', () => {
    const panel = panelWith(1.5, () => 1);
    expect(evaluate(differenceInDifferencesRate(panel), new Int32Array(0), range(B, B + A))).toBeNaN();
    const silent = countPanel([
      countRow(trackOf('t', treated), (t) => (t < B ? 5 : 0), () => 100),
      countRow(trackOf('c', control), (t) => (t < B ? 5 : 0), () => 100),
    ]);
    expect(evaluate(differenceInDifferencesRate(silent), range(0, B), range(B, B + A))).toBeNaN();
  });

  it('keeps a quiet instance (no baseline events) from dominating', () => {
    const rows = [
      countRow(trackOf('t0', treated), () => 10, () => 1000),
      countRow(trackOf('quiet', treated), (t) => (t < B ? 0 : 1), () => 1000),
      countRow(trackOf('c0', control), () => 10, () => 1000),
    ];
    const estimate = evaluate(differenceInDifferencesRate(countPanel(rows)), range(0, B), range(B, B + A));
    expect(Number.isFinite(estimate)).toBe(true);
    // Unshrunk, the quiet instance's expected count would be 0 and the ratio unbounded.
    expect(estimate).toBeLessThan(Math.log(4));
  });
});
