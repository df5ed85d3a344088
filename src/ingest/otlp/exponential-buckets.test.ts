import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downscaleBuckets, exponentialCumulativeBuckets, exponentialLowerBound, type DenseBuckets } from './exponential-buckets.js';

const SEED = 20260410;

/** Dense buckets at `scale` of positive values (bucket i holds 2^(i/2^s) < v <= 2^((i+1)/2^s)). */
function bucketsOf(values: readonly number[], scale: number): DenseBuckets {
  const indices = values.map((v) => Math.ceil(Math.log2(v) * 2 ** scale) - 1);
  const offset = Math.min(...indices);
  const counts = new Array<number>(Math.max(...indices) - offset + 1).fill(0);
  for (const i of indices) counts[i - offset] = (counts[i - offset] as number) + 1;
  return { offset, counts };
}

describe('downscaleBuckets', () => {
  it('merges 2^by neighbours, flooring negative indices', () => {
    expect(downscaleBuckets({ offset: -3, counts: [1, 2, 3, 4, 5] }, 1)).toEqual({ offset: -2, counts: [1, 5, 9] });
    expect(downscaleBuckets({ offset: 5, counts: [1, 1, 1, 1, 1, 1] }, 2)).toEqual({ offset: 1, counts: [3, 3] });
    expect(downscaleBuckets({ offset: 7, counts: [] }, 3)).toEqual({ offset: 7, counts: [] });
  });

  it('keeps every cumulative count at the coarser bounds exactly (integer check over random layouts)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -200, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        (offset, counts, by) => {
          const coarse = downscaleBuckets({ offset, counts }, by);
          const factor = 2 ** by;
          coarse.counts.forEach((_, k) => {
            // Upper bound of coarse bucket j is index (j+1)*factor at the fine scale.
            const upperFine = (coarse.offset + k + 1) * factor;
            const fineBelow = counts.reduce((sum, n, i) => (offset + i + 1 <= upperFine ? sum + n : sum), 0);
            const coarseBelow = coarse.counts.slice(0, k + 1).reduce((sum, n) => sum + n, 0);
            expect(coarseBelow).toBe(fineBelow);
          });
          expect(coarse.counts.reduce((a, b) => a + b, 0)).toBe(counts.reduce((a, b) => a + b, 0));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('exponentialLowerBound', () => {
  it('gives bit-identical bounds for the same boundary at every scale', () => {
    expect(exponentialLowerBound(1, 1, 3)).toBe(exponentialLowerBound(4, 3, 3));
    expect(exponentialLowerBound(-3, 0, 3)).toBe(exponentialLowerBound(-24, 3, 3));
    expect(exponentialLowerBound(-3, 0, 3)).toBe(0.125);
    expect(exponentialLowerBound(1, 3, 3)).toBe(2 ** (1 / 8));
  });
});

describe('exponentialCumulativeBuckets', () => {
  it('converts positive, negative and zero buckets to sorted cumulative le buckets', () => {
    const buckets = exponentialCumulativeBuckets(
      { scale: 0, zeroCount: 2, zeroThreshold: 0, positive: { offset: 0, counts: [3, 0, 1] }, negative: { offset: 1, counts: [4, 5] } },
      3,
    );
    // negative bucket 2 ends at -4, bucket 1 at -2; zero at 0; positive buckets end at 2, 4, 8.
    expect(buckets).toEqual([
      { le: -4, count: 5 },
      { le: -2, count: 9 },
      { le: 0, count: 11 },
      { le: 2, count: 14 },
      { le: 4, count: 14 },
      { le: 8, count: 15 },
    ]);
  });

  it('downscales a finer point to the target grid: counts at each bound equal the raw observations <= bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 200 }), (grid) => {
        // Values at the log-midpoints of scale-6 buckets: never on a bucket boundary of any scale <= 6.
        const values = grid.map((k) => 2 ** ((k + 0.5) / 64));
        const point = { scale: 6, zeroCount: 0, zeroThreshold: 0, positive: bucketsOf(values, 6), negative: { offset: 0, counts: [] } };
        const buckets = exponentialCumulativeBuckets(point, 2);
        const direct = bucketsOf(values, 2);
        expect(buckets.length).toBe(direct.counts.length + 1);
        for (const { le, count } of buckets) {
          expect(count).toBe(values.filter((v) => v <= le).length);
          expect(Math.log2(le) * 4).toBeCloseTo(Math.round(Math.log2(le) * 4), 9);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('keeps a point coarser than the target at its own scale, on the same grid', () => {
    const coarse = exponentialCumulativeBuckets(
      { scale: 1, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [1, 2] }, negative: { offset: 0, counts: [] } },
      3,
    );
    const fine = exponentialCumulativeBuckets(
      { scale: 3, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [0, 0, 0, 1, 0, 0, 0, 2] }, negative: { offset: 0, counts: [] } },
      3,
    );
    expect(coarse.map((b) => b.le)).toEqual([0, 2 ** 0.5, 2]);
    for (const bucket of coarse) expect(fine).toContainEqual(bucket);
  });

  it('uses the zero threshold as the zero bucket bound and merges equal bounds', () => {
    const buckets = exponentialCumulativeBuckets(
      { scale: 0, zeroCount: 1, zeroThreshold: 0.5, positive: { offset: -2, counts: [0, 2] }, negative: { offset: 0, counts: [] } },
      0,
    );
    // positive bucket -2 ends at 0.5 = the zero threshold: merged with the zero bucket.
    expect(buckets).toEqual([
      { le: 0.5, count: 1 },
      { le: 1, count: 3 },
    ]);
  });

  it('counts a bucket whose negative bound overflows into every finite bucket', () => {
    const buckets = exponentialCumulativeBuckets(
      { scale: 0, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [1] }, negative: { offset: 1100, counts: [7] } },
      0,
    );
    expect(buckets).toEqual([
      { le: 0, count: 7 },
      { le: 2, count: 8 },
    ]);
  });
});
