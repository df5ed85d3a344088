import { describe, expect, it } from 'vitest';
import { loadDistributionsReference } from '../../../test/fixtures/reference/load-reference.js';
import { normalCdf, normalQuantile, tCdf, tQuantile } from './student-t.js';

const reference = loadDistributionsReference();

/** Relative error, with an absolute floor for values that are (nearly) zero. */
function relativeError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

/** Returns the points whose relative error exceeds `tolerance`, for a readable failure message. */
function mismatches(
  inputs: readonly string[],
  actual: readonly number[],
  expected: readonly number[],
  tolerance: number,
): string[] {
  const bad: string[] = [];
  expected.forEach((want, i) => {
    const got = actual[i] ?? Number.NaN;
    if (Number.isNaN(want) ? !Number.isNaN(got) : relativeError(got, want) > tolerance) {
      bad.push(`${inputs[i]}: got ${got}, R ${want}`);
    }
  });
  return bad;
}

describe('normalQuantile (AS 241) against R qnorm', () => {
  it('matches to 1e-14 relative everywhere, including 5e-324 and the exact endpoints', () => {
    const { p, q } = reference.qnorm;
    const actual = p.map((pi) => normalQuantile(pi));
    expect(mismatches(p.map((pi) => `p=${pi}`), actual, q, 1e-14)).toEqual([]);
  });

  it('returns NaN outside [0, 1]', () => {
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
  });
});

describe('normalCdf against R pnorm', () => {
  it('matches to 1e-12 relative, down to the 1e-316 lower tail', () => {
    const { z, p } = reference.pnorm;
    const actual = z.map((zi) => normalCdf(zi));
    expect(mismatches(z.map((zi) => `z=${zi}`), actual, p, 1e-12)).toEqual([]);
  });

  it('is the inverse of normalQuantile', () => {
    for (const p of [1e-12, 0.01, 0.3, 0.5, 0.77, 0.999]) {
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 14);
    }
  });
});

describe('tCdf against R pt', () => {
  it('matches to 1e-10 relative over t ∈ [−1000, 60] and df from 0.5 to Infinity', () => {
    const { t, df, p } = reference.pt;
    const actual = t.map((ti, i) => tCdf(ti, df[i] ?? Number.NaN));
    const labels = t.map((ti, i) => `t=${ti},df=${df[i]}`);
    expect(mismatches(labels, actual, p, 1e-10)).toEqual([]);
  });

  it('returns NaN for df ≤ 0', () => {
    expect(tCdf(1, 0)).toBeNaN();
    expect(tCdf(1, -2)).toBeNaN();
  });
});

describe('tQuantile against R qt', () => {
  it('matches to 1e-9 relative over p ∈ [1e-20, 1] and df from 1 to Infinity', () => {
    const { p, df, q } = reference.qt;
    const actual = p.map((pi, i) => tQuantile(pi, df[i] ?? Number.NaN));
    const labels = p.map((pi, i) => `p=${pi},df=${df[i]}`);
    expect(mismatches(labels, actual, q, 1e-9)).toEqual([]);
  });

  it('returns NaN outside the domain', () => {
    expect(tQuantile(1.2, 5)).toBeNaN();
    expect(tQuantile(0.5, 0)).toBeNaN();
  });
});
