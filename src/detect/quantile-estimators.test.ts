import { describe, expect, it } from 'vitest';
import { accumulate, beforeAfterQuantiles, differenceInDifferencesQuantiles, pooledBySlice, rowsWithState } from './quantile-estimators.js';
import { BASE, TREAT } from './panel.js';
import { histogramQuantile } from './stats/histogram-quantile.js';
import { createRng } from './random.js';
import { histogramPanel, poissonHistogram, trackOf } from '../../test/support/detect-panels.js';

/** Bounds doubling from 50 ms: moving every count one bucket up doubles each quantile exactly. */
const BOUNDS = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, Infinity];
const BASE_COUNTS = [0, 50, 30, 15, 4, 1, 0, 0];
const shifted = (counts: readonly number[], buckets: number): number[] => counts.map((_, k) => (k >= buckets ? (counts[k - buckets] ?? 0) : 0));
const QUANTILES = [0.5, 0.9, 0.99];
const range = (from: number, to: number): Int32Array => Int32Array.from({ length: to - from }, (_, i) => from + i);

function run(estimator: ReturnType<typeof beforeAfterQuantiles>, baseline: Int32Array, after: Int32Array, width = QUANTILES.length): number[] {
  const out = new Float64Array(width);
  estimator(baseline, after, out);
  return Array.from(out);
}

describe('pooledBySlice / accumulate / rowsWithState', () => {
  const panel = histogramPanel(
    [1, 2, Infinity],
    [
      { track: trackOf('a', 'BBT'), counts: (t) => [t, 1, 0] },
      { track: trackOf('b', 'BTT'), counts: (t) => [10, t, 1] },
      { track: trackOf('c', 'BCC'), counts: () => [100, 0, 0] },
    ],
  );

  it('pools the bucket counts of the instance-slices in the state', () => {
    expect(Array.from(pooledBySlice(panel, BASE))).toEqual([110, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(pooledBySlice(panel, TREAT))).toEqual([0, 0, 0, 10, 1, 1, 12, 3, 1]);
    expect(Array.from(pooledBySlice(panel, BASE, new Set([0])))).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 0]);
  });

  it('sums the slices of a replicate (duplicates included) into a zeroed histogram', () => {
    const into = Float64Array.from([9, 9, 9]);
    expect(Array.from(accumulate(pooledBySlice(panel, TREAT), 3, Int32Array.from([2, 2, 1]), into))).toEqual([34, 7, 3]);
  });

  it('finds the rows in a state at any of the slices', () => {
    expect([...rowsWithState(panel, TREAT, Int32Array.from([1, 2]))]).toEqual([0, 1]);
    expect([...rowsWithState(panel, TREAT, Int32Array.from([1]))]).toEqual([1]);
  });
});

describe('beforeAfterQuantiles', () => {
  it('gives log 2 for every quantile when every request took twice as long', () => {
    const panel = histogramPanel(BOUNDS, [
      { track: trackOf('a', 'BBBBTTTT'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, 1)) },
      { track: trackOf('b', 'BBBB..TT'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, 1)) },
      // A control whose latency quadrupled must not enter a before-after comparison.
      { track: trackOf('c', 'BBBBCCCC'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, 2)) },
    ]);
    for (const v of run(beforeAfterQuantiles(panel, QUANTILES), range(0, 4), range(4, 8))) expect(v).toBeCloseTo(Math.LN2, 12);
  });

  it('equals log-quantile ratios of the hand-pooled histograms for noisy counts', () => {
    const rng = createRng(11);
    const shares = [0.02, 0.4, 0.3, 0.18, 0.07, 0.02, 0.01, 0];
    const data = [0, 1].map(() => Array.from({ length: 10 }, (_, t) => poissonHistogram(rng, t < 5 ? 400 : 500, t < 5 ? shares : shifted(shares, 1))));
    const panel = histogramPanel(
      BOUNDS,
      data.map((rows, i) => ({ track: trackOf(`i${i}`, 'BBBBBTTTTT'), counts: (t: number) => rows[t] ?? [] })),
    );
    const baseline = Int32Array.from([0, 1, 1, 3, 4]);
    const after = Int32Array.from([5, 6, 9, 9, 8]);
    const pool = (slices: Int32Array): number[] =>
      BOUNDS.map((_, k) => Array.from(slices).reduce((acc, t) => acc + data.reduce((s, rows) => s + (rows[t]?.[k] ?? 0), 0), 0));
    const expected = QUANTILES.map((q) => Math.log(histogramQuantile(BOUNDS, pool(after), q) / histogramQuantile(BOUNDS, pool(baseline), q)));
    const actual = run(beforeAfterQuantiles(panel, QUANTILES), baseline, after);
    actual.forEach((v, j) => expect(v).toBeCloseTo(expected[j] ?? NaN, 12));
    expect(actual.every((v) => v > 0.4 && v < 1)).toBe(true);
  });

  it('is NaN when a side holds no requests', () => {
    const panel = histogramPanel(BOUNDS, [{ track: trackOf('a', 'BBTT'), counts: () => BASE_COUNTS }]);
    expect(run(beforeAfterQuantiles(panel, [0.9]), new Int32Array(0), range(2, 4), 1)[0]).toBeNaN();
  });
});

describe('differenceInDifferencesQuantiles', () => {
  const after = range(4, 8);
  function panelWith(treatedShift: number, controlShift: number) {
    return histogramPanel(BOUNDS, [
      { track: trackOf('t0', 'BBBBTTTT'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, treatedShift)) },
      { track: trackOf('t1', 'BBBBTTTT'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, treatedShift)) },
      { track: trackOf('c0', 'BBBBCCCC'), counts: (t) => (t < 4 ? BASE_COUNTS : shifted(BASE_COUNTS, controlShift)) },
    ]);
  }

  it('subtracts the controls’ change: treated ×4 against controls ×2 is log 2', () => {
    for (const v of run(differenceInDifferencesQuantiles(panelWith(2, 1), QUANTILES, after), range(0, 4), after)) expect(v).toBeCloseTo(Math.LN2, 12);
  });

  it('is 0 for a change shared by both arms and log 2 when only the treated moved', () => {
    for (const v of run(differenceInDifferencesQuantiles(panelWith(1, 1), QUANTILES, after), range(0, 4), after)) expect(v).toBeCloseTo(0, 12);
    for (const v of run(differenceInDifferencesQuantiles(panelWith(1, 0), QUANTILES, after), range(0, 4), after)) expect(v).toBeCloseTo(Math.LN2, 12);
  });

  it('compares each arm with its own baseline, not the pooled one', () => {
    // Controls are twice as slow as the treated all along: no change in either arm.
    const panel = histogramPanel(BOUNDS, [
      { track: trackOf('t0', 'BBBBTTTT'), counts: () => BASE_COUNTS },
      { track: trackOf('c0', 'BBBBCCCC'), counts: () => shifted(BASE_COUNTS, 1) },
    ]);
    for (const v of run(differenceInDifferencesQuantiles(panel, QUANTILES, after), range(0, 4), after)) expect(v).toBeCloseTo(0, 12);
  });
});
