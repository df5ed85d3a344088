import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadWilcoxReference } from '../../../test/fixtures/reference/load-reference.js';
import { mannWhitney } from './mann-whitney.js';

/*
 * Precision against R: we reproduce R's arithmetic step by step — the same exact distribution, the same
 * tie-corrected statistic and the same Brent (zeroin) iterations as R's uniroot (tol.root = 1e-4) — so the
 * estimate and interval agree with R to 1e-12 relative, far below uniroot's 1e-4 tolerance; p-values
 * differ only by the last bits of pnorm (normal branch) or of the summed exact probabilities.
 */
const RELATIVE_TOLERANCE = 1e-12;

function expectClose(actual: number, expected: number, what: string): void {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  expect(error, `${what}: got ${actual}, R ${expected}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
}

describe('mannWhitney against R wilcox.test(x, y, conf.int = TRUE)', () => {
  for (const reference of loadWilcoxReference().cases) {
    const label = `${reference.name} (n=${reference.x.length}/${reference.y.length}, ${reference.confLevel})`;
    it(`matches statistic, p-value, estimate and interval: ${label}`, () => {
      const result = mannWhitney(reference.x, reference.y, {
        confidenceLevel: reference.confLevel,
        correct: reference.correct,
        ...(typeof reference.exact === 'boolean' ? { exact: reference.exact } : {}),
      });
      expect(result.method).toBe(reference.method);
      expect(result.exact).toBe(reference.method.includes('exact'));
      expect(result.statistic).toBe(reference.statistic);
      expectClose(result.pValue, reference.pValue, 'p-value');
      expectClose(result.estimate, reference.estimate, 'estimate');
      expectClose(result.ci[0], reference.ci[0], 'ci lower');
      expectClose(result.ci[1], reference.ci[1], 'ci upper');
    });
  }

  it('passes Kayenta MannWhitneySuite: [10,20,30,40] vs [1,2,3,4] at 95% → [6, 39], estimate 22.5', () => {
    const result = mannWhitney([10, 20, 30, 40], [1, 2, 3, 4], { confidenceLevel: 0.95 });
    expect(result.ci).toEqual([6, 39]);
    expect(result.estimate).toBe(22.5);
  });

  it('covers every branch in the fixtures: exact, ties, n ≥ 50, no correction, several levels', () => {
    const cases = loadWilcoxReference().cases;
    expect(cases.some((c) => c.method === 'Wilcoxon rank sum exact test')).toBe(true);
    expect(cases.some((c) => c.method === 'Wilcoxon rank sum test')).toBe(true);
    expect(cases.some((c) => c.x.length >= 50 || c.y.length >= 50)).toBe(true);
    expect(new Set(cases.map((c) => c.confLevel)).size).toBeGreaterThanOrEqual(5);
  });
});

describe('mannWhitney properties', () => {
  const sample = fc.array(fc.integer({ min: -50, max: 50 }).map((v) => v / 4), { minLength: 2, maxLength: 70 });

  it('is antisymmetric: swapping x and y keeps the p-value and, when exact, negates the shift', () => {
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        fc.pre(new Set([...x, ...y]).size > 1);
        const xy = mannWhitney(x, y);
        const yx = mannWhitney(y, x);
        expect(yx.pValue).toBeCloseTo(xy.pValue, 12);
        expect(yx.statistic).toBe(x.length * y.length - xy.statistic);
        if (xy.exact) {
          expect(yx.estimate).toBeCloseTo(-xy.estimate, 12);
          expect(yx.ci[0]).toBeCloseTo(-xy.ci[1], 12);
          expect(yx.ci[1]).toBeCloseTo(-xy.ci[0], 12);
        }
        // With ties the asymptotic statistic can be exactly 0 on a whole interval of shifts, and R (like
        // us) returns whichever point of it Brent's method lands on first: −0.1667 for [−0.5, 0.25, 0] vs
        // [0, 0.25] but +0.1458 swapped (a fixture case), so the estimate is not antisymmetric there.
      }),
      { numRuns: 60 },
    );
  });

  it('brackets the estimate by the interval, and the interval by the range of the differences', () => {
    fc.assert(
      fc.property(sample, sample, fc.double({ min: 0.5, max: 0.99, noNaN: true }), (x, y, level) => {
        fc.pre(new Set([...x, ...y]).size > 1);
        const result = mannWhitney(x, y, { confidenceLevel: level });
        const lowest = Math.min(...x) - Math.max(...y);
        const highest = Math.max(...x) - Math.min(...y);
        expect(result.ci[0]).toBeLessThanOrEqual(result.estimate + 1e-4);
        expect(result.estimate).toBeLessThanOrEqual(result.ci[1] + 1e-4);
        expect(result.ci[0]).toBeGreaterThanOrEqual(lowest);
        expect(result.ci[1]).toBeLessThanOrEqual(highest);
        expect(result.pValue).toBeGreaterThan(0);
        expect(result.pValue).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });
});

describe('mannWhitney edge cases', () => {
  it('drops NaN like R', () => {
    const withNaN = mannWhitney([1, Number.NaN, 5, 9], [2, 3, Number.NaN]);
    expect(withNaN).toEqual(mannWhitney([1, 5, 9], [2, 3]));
  });

  it('returns p = 1 and a zero shift when every observation is the same', () => {
    const result = mannWhitney([3, 3, 3], [3, 3]);
    expect(result).toMatchObject({ pValue: 1, estimate: 0, ci: [0, 0], exact: false });
  });

  it('returns the exact difference when x and y are each constant', () => {
    const result = mannWhitney([5, 5, 5, 5], [2, 2, 2]);
    expect(result.estimate).toBe(3);
    expect(result.ci).toEqual([3, 3]);
    expect(result.pValue).toBeLessThan(0.05);
  });

  it('honours exact: false (normal approximation for small samples)', () => {
    const result = mannWhitney([10, 20, 30, 40], [1, 2, 3, 4], { exact: false });
    expect(result.exact).toBe(false);
    expect(result.method).toBe('Wilcoxon rank sum test with continuity correction');
    expect(result.estimate).toBe(22.5);
  });

  it('honours exact: true beyond 50 observations (R fixture: forced exact 60 vs 55), and refuses huge ones', () => {
    const x = Array.from({ length: 60 }, (_, i) => i * 1.01);
    const y = Array.from({ length: 55 }, (_, i) => i * 0.97 + 3.3);
    const forced = mannWhitney(x, y, { exact: true });
    expect(forced.exact).toBe(true);
    expect(forced.method).toBe('Wilcoxon rank sum exact test');
    const big = Array.from({ length: 201 }, (_, i) => i);
    expect(() => mannWhitney(big, big.map((v) => v + 0.5), { exact: true })).toThrow(/201×201 observations/);
  });

  it('rejects empty samples, infinities and bad confidence levels with clear messages', () => {
    expect(() => mannWhitney([], [1])).toThrow(/x has no \(non-NaN\) observations/);
    expect(() => mannWhitney([1], [Number.NaN])).toThrow(/y has no/);
    expect(() => mannWhitney([1, Number.POSITIVE_INFINITY], [1])).toThrow(/x\[1\] is Infinity/);
    expect(() => mannWhitney([1], [2], { confidenceLevel: 1 })).toThrow(/confidenceLevel must be in \(0, 1\)/);
  });
});
