import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shiftedRankSum } from './rank-sum.js';

/** R's rank(): average ranks for ties, by brute force. */
function averageRanks(values: number[]): number[] {
  return values.map((v) => {
    const below = values.filter((w) => w < v).length;
    const equal = values.filter((w) => w === v).length;
    return below + (equal + 1) / 2;
  });
}

describe('shiftedRankSum', () => {
  it('equals the brute-force rank sum and tie term of (x − shift, y)', () => {
    const value = fc.integer({ min: -8, max: 8 }).map((v) => v / 2);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 25 }), fc.array(value, { minLength: 1, maxLength: 25 }), value, (x, y, shift) => {
        const pooled = [...x.map((v) => v - shift), ...y];
        const ranks = averageRanks(pooled);
        const rankSumX = ranks.slice(0, x.length).reduce((a, b) => a + b, 0);
        const groups = new Map<number, number>();
        for (const v of pooled) groups.set(v, (groups.get(v) ?? 0) + 1);
        const tieTerm = [...groups.values()].reduce((a, t) => a + t ** 3 - t, 0);
        const tieGroups = [...groups.values()].filter((t) => t > 1).length;
        const sortedX = Float64Array.from(x).sort();
        const sortedY = Float64Array.from(y).sort();
        const out = shiftedRankSum(sortedX, sortedY, shift, { rankSumX: 0, tieTerm: 0, tieGroups: 0 });
        expect(out).toEqual({ rankSumX, tieTerm, tieGroups });
      }),
    );
  });
});
