import { describe, expect, it } from 'vitest';
import { blockCount, inflatedLogEffect, logEffect, logEffectWithDf, runBootstrap } from './inference.js';
import type { Estimator } from './inference.js';
import type { ResamplePlan } from './resample-plan.js';
import { tCdf, tQuantile } from './stats/student-t.js';

describe('logEffect', () => {
  it('uses Welch-Satterthwaite degrees of freedom from the blocks of each side', () => {
    const [vb, va] = [0.004, 0.001];
    const df = (vb + va) ** 2 / (vb ** 2 / (6 - 1) + va ** 2 / (10 - 1));
    const effect = logEffect(0.1, vb, va, { baseline: 6, after: 10 }, 0.95);
    const se = Math.sqrt(vb + va);
    expect(effect.degreesOfFreedom).toBeCloseTo(df, 12);
    expect(effect.standardError).toBeCloseTo(se, 15);
    expect(effect.pValue).toBeCloseTo(2 * tCdf(-0.1 / se, df), 14);
    const half = tQuantile(0.975, df) * se;
    expect(effect.interval[0]).toBeCloseTo(0.1 - half, 14);
    expect(effect.interval[1]).toBeCloseTo(0.1 + half, 14);
  });

  it('is symmetric in the sign of the estimate and wider at a higher confidence', () => {
    const up = logEffect(0.2, 0.01, 0.01, { baseline: 8, after: 8 }, 0.9);
    const down = logEffect(-0.2, 0.01, 0.01, { baseline: 8, after: 8 }, 0.9);
    expect(down.pValue).toBeCloseTo(up.pValue, 15);
    expect(down.interval[0]).toBeCloseTo(-up.interval[1], 15);
    const wide = logEffect(0.2, 0.01, 0.01, { baseline: 8, after: 8 }, 0.99);
    expect(wide.interval[1] - wide.interval[0]).toBeGreaterThan(up.interval[1] - up.interval[0]);
  });

  it('counts at least two blocks a side (at least one degree of freedom each)', () => {
    const effect = logEffect(0.1, 0.01, 0.01, { baseline: 1, after: 0 }, 0.95);
    expect(effect.degreesOfFreedom).toBeCloseTo(2, 12);
  });

  it('with zero variance: p = 1 for a zero effect, p = 0 otherwise, a point interval', () => {
    expect(logEffect(0, 0, 0, { baseline: 5, after: 7 }, 0.95)).toEqual({ estimate: 0, standardError: 0, degreesOfFreedom: 10, pValue: 1, interval: [0, 0] });
    const moved = logEffect(0.3, 0, 0, { baseline: 5, after: 7 }, 0.95);
    expect(moved.pValue).toBe(0);
    expect(moved.interval).toEqual([0.3, 0.3]);
  });

  it('propagates a NaN estimate or variance to every field', () => {
    for (const effect of [logEffect(NaN, 0.01, 0.01, { baseline: 5, after: 5 }, 0.95), logEffect(0.1, NaN, 0.01, { baseline: 5, after: 5 }, 0.95)]) {
      expect(effect.standardError).toBeNaN();
      expect(effect.degreesOfFreedom).toBeNaN();
      expect(effect.pValue).toBeNaN();
      expect(effect.interval[0]).toBeNaN();
      expect(effect.interval[1]).toBeNaN();
    }
  });
});

describe('logEffectWithDf', () => {
  it('gives the t-based p-value and interval at the given degrees of freedom', () => {
    const effect = logEffectWithDf(-0.05, 0.0004, 12.5, 0.9);
    expect(effect.standardError).toBeCloseTo(0.02, 15);
    expect(effect.degreesOfFreedom).toBe(12.5);
    expect(effect.pValue).toBeCloseTo(2 * tCdf(-2.5, 12.5), 14);
    expect(effect.interval[0]).toBeCloseTo(-0.05 - tQuantile(0.95, 12.5) * 0.02, 14);
    expect(effect.interval[1]).toBeCloseTo(-0.05 + tQuantile(0.95, 12.5) * 0.02, 14);
  });

  it('agrees with logEffect for the same variance and degrees of freedom', () => {
    const a = logEffect(0.15, 0.002, 0.002, { baseline: 9, after: 9 }, 0.95);
    const b = logEffectWithDf(0.15, 0.004, a.degreesOfFreedom, 0.95);
    expect(b.pValue).toBeCloseTo(a.pValue, 14);
    expect(b.interval[1]).toBeCloseTo(a.interval[1], 14);
  });

  it('handles zero variance and rejects NaN or negative variance', () => {
    expect(logEffectWithDf(0, 0, 10, 0.95).pValue).toBe(1);
    expect(logEffectWithDf(0.1, 0, 10, 0.95).pValue).toBe(0);
    for (const effect of [logEffectWithDf(0.1, -1e-9, 10, 0.95), logEffectWithDf(0.1, NaN, 10, 0.95), logEffectWithDf(NaN, 0.01, 10, 0.95)]) {
      expect(effect.pValue).toBeNaN();
      expect(effect.standardError).toBeNaN();
      expect(effect.interval[0]).toBeNaN();
    }
  });

  it('propagates NaN degrees of freedom to the p-value and interval', () => {
    const effect = logEffectWithDf(0.1, 0.01, NaN, 0.95);
    expect(effect.pValue).toBeNaN();
    expect(effect.interval[0]).toBeNaN();
  });
});

describe('runBootstrap', () => {
  const slices = (...xs: number[]): Int32Array => Int32Array.from(xs);
  const plan: ResamplePlan = {
    design: 'before-after',
    baselineSlices: slices(0, 1, 2),
    afterSlices: slices(3, 4, 5),
    baselineBlockLength: 1,
    afterBlockLength: 1,
    baselineReplicates: [slices(0, 0, 1), slices(2, 2, 2), slices(0, 1, 1)],
    afterReplicates: [slices(3, 4, 4), slices(5, 5, 3)],
  };
  const values = [1, 2, 3, 10, 20, 30];
  const mean = (s: Int32Array): number => Array.from(s).reduce((acc, t) => acc + (values[t] ?? 0), 0) / s.length;
  /** Component 0: after mean − baseline mean; component 1: twice the baseline mean; component 2: NaN. */
  const estimator: Estimator = (baseline, after, out) => {
    out[0] = mean(after) - mean(baseline);
    out[1] = 2 * mean(baseline);
    out[2] = NaN;
  };
  const sampleVariance = (xs: number[]): number => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  };

  it('returns the point estimate and each side’s replicate variance per component', () => {
    const summary = runBootstrap(plan, 3, estimator);
    expect(Array.from(summary.point.subarray(0, 2))).toEqual([18, 4]);
    expect(summary.varianceBaseline[0]).toBeCloseTo(sampleVariance([20 - 4 / 3, 20 - 3, 20 - 5 / 3]), 12);
    expect(summary.varianceBaseline[1]).toBeCloseTo(sampleVariance([8 / 3, 6, 10 / 3]), 12);
    expect(summary.varianceAfter[0]).toBeCloseTo(sampleVariance([50 / 3 - 2, 70 / 3 - 2]), 12);
    expect(summary.varianceAfter[1]).toBe(0);
    expect(summary.point).toHaveLength(3);
    expect(summary.varianceBaseline).toHaveLength(3);
    expect(summary.varianceAfter).toHaveLength(3);
  });

  it('gives NaN variance when more than a fifth of the replicates are not estimable', () => {
    const summary = runBootstrap(plan, 3, estimator);
    expect(summary.point[2]).toBeNaN();
    expect(summary.varianceBaseline[2]).toBeNaN();
    let calls = 0;
    const flaky: Estimator = (_b, _a, out) => {
      calls++;
      out[0] = calls % 3 === 0 ? Infinity : calls;
    };
    expect(runBootstrap(plan, 1, flaky).varianceBaseline[0]).toBeNaN();
  });
});

describe('blockCount / inflatedLogEffect', () => {
  it('counts whole non-overlapping blocks, at least one', () => {
    expect(blockCount(60, 6)).toBe(10);
    expect(blockCount(61, 6)).toBe(10);
    expect(blockCount(3, 6)).toBe(1);
    expect(blockCount(10, 0)).toBe(10);
  });

  it('multiplies each side’s variance by its inflation and divides its blocks by it', () => {
    const summary = { point: Float64Array.from([0.1]), varianceBaseline: Float64Array.from([0.002]), varianceAfter: Float64Array.from([0.003]) };
    const inflated = inflatedLogEffect(summary, 0, { baseline: 2, after: 3 }, { baseline: 20, after: 30 }, 0.95);
    expect(inflated).toEqual(logEffect(0.1, 0.002 * 2, 0.003 * 3, { baseline: 10, after: 10 }, 0.95));
    expect(inflatedLogEffect(summary, 5, { baseline: 1, after: 1 }, { baseline: 20, after: 30 }, 0.95).pValue).toBeNaN();
  });
});
