import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  histogramQuantile,
  prometheusHistogramQuantile,
  quantileBucket,
  survivalAbove,
  tailBoundaryIndex,
} from './histogram-quantile.js';
import { normalCdf, normalQuantile } from './student-t.js';

const INF = Number.POSITIVE_INFINITY;

/** Exact expected bucket counts (non-cumulative) of `total` lognormal latencies with this median and σ. */
function lognormalCounts(bounds: readonly number[], medianSeconds: number, sigma: number, total = 1e6): number[] {
  const cdf = (x: number): number => (x === INF ? 1 : normalCdf(Math.log(x / medianSeconds) / sigma));
  let previous = 0;
  return bounds.map((bound) => {
    const current = cdf(bound);
    const count = (current - previous) * total;
    previous = current;
    return count;
  });
}

/** Converts Prometheus' cumulative `le` series to the non-cumulative counts our functions take. */
function fromCumulative(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => c - (i > 0 ? (cumulative[i - 1] as number) : 0));
}

describe('prometheusHistogramQuantile reproduces Prometheus (promql/promqltest/testdata/histograms.test)', () => {
  const cases: Array<{ name: string; bounds: number[]; cumulative: number[]; expected: Array<[number, number]> }> = [
    {
      name: 'testhistogram positive',
      bounds: [0.1, 0.2, 1, INF],
      cumulative: [50, 70, 110, 120],
      expected: [[0, 0], [0.2, 0.048], [0.5, 0.15], [0.8, 0.72], [1, 1]],
    },
    {
      name: 'testhistogram negative',
      bounds: [-0.2, -0.1, 0.3, INF],
      cumulative: [10, 20, 20, 30],
      expected: [[0, -0.2], [0.2, -0.2], [0.5, -0.15], [0.8, 0.3], [1, 0.3]],
    },
    {
      name: 'testhistogram3 positive (empty le=0 bucket, empty +Inf bucket)',
      bounds: [0, 0.1, 0.2, 1, INF],
      cumulative: [0, 50, 70, 110, 110],
      expected: [[0, 0], [0.25, 0.055], [0.5, 0.125], [0.75, 0.45], [1, 1]],
    },
    {
      name: 'testhistogram3 negative',
      bounds: [-0.25, -0.2, -0.1, 0.3, INF],
      cumulative: [0, 10, 20, 20, 20],
      expected: [[0, -0.25], [0.25, -0.225], [0.5, -0.2], [0.75, -0.15], [1, -0.1]],
    },
    {
      name: 'testhistogram2 (quantiles in bucket middles)',
      bounds: [0, 2, 4, 6, INF],
      cumulative: [0, 10, 20, 30, 30],
      expected: [[1 / 6, 1], [0.5, 3], [5 / 6, 5]],
    },
    {
      name: 'request_duration_seconds job1 ins1',
      bounds: [0.1, 0.2, INF],
      cumulative: [10, 30, 40],
      expected: [[0.3, 0.11], [0.5, 0.15]],
    },
  ];
  for (const { name, bounds, cumulative, expected } of cases) {
    it(name, () => {
      const counts = fromCumulative(cumulative);
      for (const [q, value] of expected) expect(prometheusHistogramQuantile(bounds, counts, q)).toBeCloseTo(value, 12);
    });
  }

  it('handles out-of-range q, NaN and empty histograms like Prometheus', () => {
    const bounds = [0.1, 0.2, 1, INF];
    const counts = fromCumulative([50, 70, 110, 120]);
    expect(prometheusHistogramQuantile(bounds, counts, -0.1)).toBe(-INF);
    expect(prometheusHistogramQuantile(bounds, counts, 1.01)).toBe(INF);
    expect(prometheusHistogramQuantile(bounds, counts, Number.NaN)).toBeNaN();
    expect(prometheusHistogramQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeNaN();
    expect(prometheusHistogramQuantile([INF], [5], 0.5)).toBeNaN();
  });

  it('treats float noise below 1e-12 relative as no increment, like correctPrecisionErrors', () => {
    const bounds = [1, 2, 3, INF];
    // The 1e-13 in bucket (1, 2] is rate() noise: the median lands at the start of (2, 3]; without the
    // correction the noise bucket would hold the rank and the answer would be 1.5.
    expect(prometheusHistogramQuantile(bounds, [10, 1e-13, 10, 0], 0.5)).toBeCloseTo(2, 12);
    expect(prometheusHistogramQuantile(bounds, [10, 1e-13, 10, 0], 0.75)).toBeCloseTo(2.5, 12);
  });

  it('rejects mismatched lengths and a missing +Inf bucket', () => {
    expect(() => prometheusHistogramQuantile([1, INF], [1], 0.5)).toThrow(/bounds has 2 entries but counts has 1/);
    expect(() => prometheusHistogramQuantile([1, 2], [1, 1], 0.5)).toThrow(/last bound is 2; expected Infinity/);
  });
});

describe('histogramQuantile: log-survival interpolation within tail buckets', () => {
  const coarse = [0.05, 0.1, 0.25, 0.5, 1, 2.5, INF];
  const z99 = normalQuantile(0.99);

  /** Relative shift of p99 (in percentage points) as both estimators see it, for one scenario. */
  function estimatedShifts(median: number, sigma: number, shift: number): { ours: number; prometheus: number } {
    const base = lognormalCounts(coarse, median, sigma);
    const shifted = lognormalCounts(coarse, median * (1 + shift), sigma);
    return {
      ours: 100 * (histogramQuantile(coarse, shifted, 0.99) / histogramQuantile(coarse, base, 0.99) - 1),
      prometheus: 100 * (prometheusHistogramQuantile(coarse, shifted, 0.99) / prometheusHistogramQuantile(coarse, base, 0.99) - 1),
    };
  }

  it('estimates a 2% p99 shift within ±1.5 percentage points, and other shifts far better than Prometheus', () => {
    const rows: string[] = [];
    const worst = { ours: new Map<number, number>(), prometheus: new Map<number, number>() };
    for (const sigma of [0.4, 0.6, 0.9, 1.2]) {
      // p99 (before and after the shift) in a finite bucket with a lower edge > 0: 0.05 s … 2.5 s.
      for (let p99 = 0.052; p99 < 2.5 / 1.05; p99 *= 1.05) {
        const median = p99 / Math.exp(sigma * z99);
        for (const shift of [0.01, 0.02, 0.03, 0.05]) {
          const { ours, prometheus } = estimatedShifts(median, sigma, shift);
          const truth = 100 * shift;
          worst.ours.set(shift, Math.max(worst.ours.get(shift) ?? 0, Math.abs(ours - truth)));
          worst.prometheus.set(shift, Math.max(worst.prometheus.get(shift) ?? 0, Math.abs(prometheus - truth)));
          rows.push(`σ=${sigma} p99=${p99.toFixed(3)}s true ${truth}%: ours ${ours.toFixed(2)}%, prometheus ${prometheus.toFixed(2)}%`);
        }
      }
    }
    const table = rows.join('\n');
    expect(rows.length).toBeGreaterThan(250);
    expect(worst.ours.get(0.02), table).toBeLessThanOrEqual(1.5);
    for (const shift of [0.01, 0.02, 0.03, 0.05]) {
      // Worst-case error in percentage points: ours ≤ 0.52·shift, Prometheus ≥ 3·shift.
      expect(worst.ours.get(shift), table).toBeLessThanOrEqual(0.52 * 100 * shift);
      expect(worst.prometheus.get(shift), table).toBeGreaterThan(5 * (worst.ours.get(shift) ?? 0));
    }
  });

  it('has no jump for body and shoulder quantiles (p75, p90, p95): a 2% shift stays within ±2.5 pp', () => {
    for (const q of [0.75, 0.9, 0.95]) {
      for (const sigma of [0.4, 0.6, 0.9]) {
        for (let truth = 0.052; truth < 2.3; truth *= 1.03) {
          const median = truth / Math.exp(sigma * normalQuantile(q));
          const base = histogramQuantile(coarse, lognormalCounts(coarse, median, sigma), q);
          const shifted = histogramQuantile(coarse, lognormalCounts(coarse, median * 1.02, sigma), q);
          const estimate = 100 * (shifted / base - 1);
          expect(Math.abs(estimate - 2), `q=${q} σ=${sigma} quantile ${truth}: ${estimate}%`).toBeLessThanOrEqual(2.5);
        }
      }
    }
  });

  it('does not exaggerate a shift when p99 sits just above a bucket boundary, where Prometheus does', () => {
    for (const sigma of [0.4, 0.6, 0.9]) {
      for (const boundary of [0.1, 0.25, 0.5, 1]) {
        const median = (boundary * 1.01) / Math.exp(sigma * z99); // p99 1% above the boundary
        for (const shift of [0.01, 0.02, 0.05]) {
          const { ours, prometheus } = estimatedShifts(median, sigma, shift);
          const label = `σ=${sigma} boundary ${boundary}s shift ${100 * shift}%: ours ${ours}, prometheus ${prometheus}`;
          expect(Math.abs(ours - 100 * shift), label).toBeLessThanOrEqual(1.5);
          expect(prometheus, label).toBeGreaterThan(2.5 * 100 * shift);
        }
      }
    }
  });

  it('keeps both p99 estimates inside the true p99 bucket for the default Prometheus buckets', () => {
    const defaults = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INF];
    for (const sigma of [0.3, 0.7, 1.2]) {
      for (const median of [0.004, 0.012, 0.03, 0.08, 0.2, 0.6, 1.5]) {
        const truth = median * Math.exp(sigma * z99);
        if (truth >= 10) continue;
        const counts = lognormalCounts(defaults, median, sigma);
        const bucket = quantileBucket(defaults, counts, 0.99);
        expect(truth).toBeGreaterThan(bucket.lower);
        expect(truth).toBeLessThanOrEqual(bucket.upper);
        for (const estimate of [histogramQuantile(defaults, counts, 0.99), prometheusHistogramQuantile(defaults, counts, 0.99)]) {
          expect(estimate).toBeGreaterThanOrEqual(bucket.lower);
          expect(estimate).toBeLessThanOrEqual(bucket.upper);
        }
      }
    }
  });

  it('is exact for a Pareto tail (the model it assumes)', () => {
    const bounds = [1, 2, 4, 8, 16, 32, INF];
    const alpha = 1.7; // S(x) = x^−α above 1
    const survival = (x: number): number => (x === INF ? 0 : Math.min(1, x ** -alpha));
    const counts = bounds.map((b, i) => (i === 0 ? 1 - survival(b) : survival(bounds[i - 1] as number) - survival(b)));
    for (const q of [0.6, 0.9, 0.95, 0.99, 0.995]) {
      expect(histogramQuantile(bounds, counts, q)).toBeCloseTo((1 - q) ** (-1 / alpha), 9);
    }
  });

  it('interpolates linearly in the first bucket and when the bucket holds the rest, log-survival otherwise', () => {
    const bounds = [1, 2, 4, INF];
    expect(histogramQuantile(bounds, [10, 0, 0, 0], 0.3)).toBeCloseTo(0.3, 12); // first bucket, lo = 0
    expect(histogramQuantile(bounds, [6, 4, 0, 0], 0.8)).toBeCloseTo(1.5, 12); // S_hi = 0
    // bucket (2, 4]: S_lo = 0.2, S_hi = 0.1, target 0.15 → fraction log₂(4/3) → 2 · 4/3
    expect(histogramQuantile([1, 2, 4, 8, INF], [6, 2, 1, 1, 0], 0.85)).toBeCloseTo(8 / 3, 12);
    // S_lo = 0.8, S_hi = 0.2, target 0.4 → fraction 1/2 → √2 (linear would say 1.5)
    expect(histogramQuantile(bounds, [2, 6, 2, 0], 0.6)).toBeCloseTo(2 ** 0.5, 12);
  });

  it('returns the highest finite bound in the +Inf bucket, the bound itself below 0, NaN when empty', () => {
    expect(histogramQuantile([1, 2, INF], [1, 1, 8], 0.99)).toBe(2);
    expect(histogramQuantile([-1, 2, INF], [5, 5, 0], 0.2)).toBe(-1);
    expect(histogramQuantile([1, 2, INF], [0, 0, 0], 0.5)).toBeNaN();
    expect(histogramQuantile([1, 2, INF], [1, 1, 0], Number.NaN)).toBeNaN();
    expect(histogramQuantile([1, 2, INF], [1, 1, 0], 1.5)).toBe(INF);
    expect(() => histogramQuantile([1, 2, INF], [1, -1, 0], 0.5)).toThrow(/counts\[1\] is -1; expected a count ≥ 0/);
  });

  it('is non-decreasing in q and stays within the rank bucket (property)', () => {
    const bounds = [0.01, 0.05, 0.1, 0.5, 1, 5, INF];
    const counts = fc.array(fc.nat({ max: 1000 }), { minLength: bounds.length, maxLength: bounds.length });
    fc.assert(
      fc.property(counts, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (c, a, b) => {
        fc.pre(c.some((v) => v > 0));
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(histogramQuantile(bounds, c, low)).toBeLessThanOrEqual(histogramQuantile(bounds, c, high) * (1 + 1e-12));
        const bucket = quantileBucket(bounds, c, high);
        const estimate = histogramQuantile(bounds, c, high);
        if (bucket.upper !== INF) {
          expect(estimate).toBeGreaterThanOrEqual(bucket.lower * (1 - 1e-12));
          expect(estimate).toBeLessThanOrEqual(bucket.upper * (1 + 1e-12));
        }
      }),
    );
  });
});

describe('quantileBucket, tailBoundaryIndex and survivalAbove', () => {
  const bounds = [0.1, 0.25, 0.5, 1, INF];
  const counts = [900, 60, 30, 9, 1]; // S above 0.1 = 0.1, above 0.25 = 0.04, above 0.5 = 0.01, above 1 = 0.001

  it('finds the bucket of the rank, skipping empty buckets', () => {
    expect(quantileBucket(bounds, counts, 0.5)).toEqual({ index: 0, lower: 0, upper: 0.1 });
    expect(quantileBucket(bounds, counts, 0.99)).toEqual({ index: 2, lower: 0.25, upper: 0.5 });
    expect(quantileBucket(bounds, counts, 1)).toEqual({ index: 4, lower: 1, upper: INF });
    expect(quantileBucket(bounds, [0, 0, 5, 0, 0], 0)).toEqual({ index: 2, lower: 0.25, upper: 0.5 });
    expect(quantileBucket(bounds, [0, 0, 0, 0, 0], 0.5).index).toBe(-1);
  });

  it('picks the bound whose survival fraction is closest to 1 − q in log ratio', () => {
    expect(tailBoundaryIndex(bounds, counts, 0.99)).toBe(2);
    expect(tailBoundaryIndex(bounds, counts, 0.9)).toBe(0);
    expect(tailBoundaryIndex(bounds, counts, 0.97)).toBe(1); // |ln(0.04/0.03)| < |ln(0.01/0.03)|
    expect(tailBoundaryIndex(bounds, counts, 0.9999)).toBe(3);
    expect(tailBoundaryIndex(bounds, [5, 0, 0, 0, 0], 0.99)).toBe(-1); // nothing above any bound
    expect(tailBoundaryIndex(bounds, [0, 0, 0, 0, 0], 0.99)).toBe(-1);
  });

  it('counts the observations above a bound', () => {
    expect(survivalAbove(bounds, counts, 2)).toBe(10);
    expect(survivalAbove(bounds, counts, 4)).toBe(0);
    expect(() => survivalAbove(bounds, counts, 5)).toThrow(/index 5 is outside 0 … 4/);
  });
});
