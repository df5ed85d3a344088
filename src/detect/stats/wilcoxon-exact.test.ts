import { describe, expect, it } from 'vitest';
import { wilcoxonCdf, wilcoxonPmf, wilcoxonQuantile } from './wilcoxon-exact.js';

/** Brute force: enumerate all C(m+n, m) placements of the x ranks and count U = Σ ranks − m(m+1)/2. */
function bruteForcePmf(m: number, n: number): number[] {
  const counts = new Array<number>(m * n + 1).fill(0);
  let total = 0;
  const choose = (start: number, left: number, rankSum: number): void => {
    if (left === 0) {
      counts[rankSum - (m * (m + 1)) / 2]! += 1;
      total += 1;
      return;
    }
    for (let rank = start; rank <= m + n - left + 1; rank++) choose(rank + 1, left - 1, rankSum + rank);
  };
  choose(1, m, 0);
  return counts.map((c) => c / total);
}

describe('wilcoxonPmf', () => {
  it('equals brute-force enumeration for small sizes', () => {
    for (const [m, n] of [[1, 1], [1, 5], [3, 4], [5, 3], [6, 6], [2, 9]] as const) {
      const pmf = Array.from(wilcoxonPmf(m, n));
      bruteForcePmf(m, n).forEach((p, k) => expect(pmf[k]).toBeCloseTo(p, 14));
    }
  });

  it('sums to 1 and is symmetric for the largest exact sizes', () => {
    const pmf = wilcoxonPmf(49, 49);
    expect(pmf).toHaveLength(49 * 49 + 1);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let k = 0; k < pmf.length; k += 97) {
      expect(pmf[k]).toBeCloseTo(pmf[pmf.length - 1 - k] as number, 15);
    }
    // P(U = 0) = 1 / C(98, 49)
    expect((pmf[0] as number) * 2.547761225898086e+28).toBeCloseTo(1, 10);
  });

  it('rejects non-integer sizes', () => {
    expect(() => wilcoxonPmf(0, 3)).toThrow(/positive integers/);
    expect(() => wilcoxonPmf(2.5, 3)).toThrow(/m=2.5/);
  });
});

describe('wilcoxonCdf and wilcoxonQuantile', () => {
  it('agree with R: pwilcox(3, 4, 4) = 7/70, qwilcox(0.025, 4, 4) = 1', () => {
    expect(wilcoxonCdf(3, 4, 4)).toBeCloseTo(7 / 70, 15);
    expect(wilcoxonCdf(3, 4, 4, false)).toBeCloseTo(63 / 70, 15);
    expect(wilcoxonQuantile(0.025, 4, 4)).toBe(1);
    expect(wilcoxonQuantile(0.975, 4, 4)).toBe(15);
  });

  it('the quantile is the smallest q whose cdf reaches p', () => {
    for (const p of [0.001, 0.05, 0.3, 0.5, 0.8, 0.999]) {
      const q = wilcoxonQuantile(p, 7, 9);
      expect(wilcoxonCdf(q, 7, 9)).toBeGreaterThanOrEqual(p - 1e-12);
      if (q > 0) expect(wilcoxonCdf(q - 1, 7, 9)).toBeLessThan(p);
    }
  });

  it('keeps relative precision in the far upper tail', () => {
    expect(wilcoxonCdf(49 * 49 - 1, 49, 49, false) * 2.547761225898086e+28).toBeCloseTo(1, 10);
    expect(wilcoxonCdf(-1, 3, 3)).toBe(0);
    expect(wilcoxonCdf(9, 3, 3)).toBe(1);
  });
});
