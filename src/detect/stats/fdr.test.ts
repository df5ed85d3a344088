import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPAdjustReference } from '../../../test/fixtures/reference/load-reference.js';
import { benjaminiHochberg } from './fdr.js';

describe('benjaminiHochberg against R p.adjust(p, "BH")', () => {
  for (const reference of loadPAdjustReference().cases) {
    it(`matches R for "${reference.name}" (${reference.p.length} p-values)`, () => {
      const actual = benjaminiHochberg(reference.p);
      expect(actual).toHaveLength(reference.adjusted.length);
      reference.adjusted.forEach((expected, i) => {
        if (Number.isNaN(expected)) expect(actual[i]).toBeNaN();
        else expect(actual[i]).toBeCloseTo(expected, 15);
      });
    });
  }
});

describe('benjaminiHochberg properties', () => {
  const pValues = fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(Number.NaN)), {
    maxLength: 60,
  });

  it('never lowers a p-value, never exceeds 1, and preserves the order of the p-values', () => {
    fc.assert(
      fc.property(pValues, (p) => {
        const q = benjaminiHochberg(p);
        p.forEach((pi, i) => {
          const qi = q[i] as number;
          if (Number.isNaN(pi)) {
            expect(qi).toBeNaN();
            return;
          }
          expect(qi).toBeGreaterThanOrEqual(pi);
          expect(qi).toBeLessThanOrEqual(1);
          p.forEach((pj, j) => {
            if (!Number.isNaN(pj) && pi < pj) expect(qi).toBeLessThanOrEqual(q[j] as number);
          });
        });
      }),
    );
  });

  it('does not modify its input', () => {
    const p = [0.5, 0.01, Number.NaN, 0.2];
    benjaminiHochberg(p);
    expect(p).toEqual([0.5, 0.01, Number.NaN, 0.2]);
  });
});
