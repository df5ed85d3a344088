import { describe, expect, it } from 'vitest';
import { createRng } from '../detect/random.js';
import { beta, binomial, gamma, lognormal, multinomialInto, normal, poisson } from './distributions.js';
import { logFactorial } from './log-factorial.js';
import { normalQuantile } from './normal-math.js';

const N = 40_000;
/** Tolerance in standard errors: a correct sampler fails with probability ~6e-7 per check. */
const Z = 5;

function moments(xs: Float64Array): { mean: number; variance: number; m4: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let m2 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  return { mean, variance: m2 / (xs.length - 1), m4: m4 / xs.length };
}

/** Asserts sample mean and variance against theory within Z standard errors (SE of s² from the sample's 4th moment). */
function expectMoments(draw: () => number, mean: number, variance: number): void {
  const xs = new Float64Array(N);
  for (let i = 0; i < N; i++) xs[i] = draw();
  const m = moments(xs);
  expect(Math.abs(m.mean - mean)).toBeLessThan(Z * Math.sqrt(variance / N));
  const seVariance = Math.sqrt(Math.max(m.m4 - m.variance * m.variance, 1e-300) / N);
  expect(Math.abs(m.variance - variance)).toBeLessThan(Z * seVariance);
}

const PMF_DRAWS = 400_000;

/** Pearson chi-square of draws against an exact pmf over [lo, hi] (tails pooled), compared with the 1 − 1e-6 quantile (Wilson–Hilferty). */
function expectPmf(draw: () => number, pmf: (k: number) => number, lo: number, hi: number): void {
  const N = PMF_DRAWS;
  const counts = new Float64Array(hi - lo + 3);
  for (let i = 0; i < N; i++) {
    const k = draw();
    counts[k < lo ? 0 : k > hi ? hi - lo + 2 : k - lo + 1]! += 1;
  }
  let inside = 0;
  const expected = new Float64Array(counts.length);
  for (let k = lo; k <= hi; k++) {
    expected[k - lo + 1] = N * pmf(k);
    inside += pmf(k);
  }
  expected[0] = 0;
  expected[hi - lo + 2] = N * (1 - inside);
  let chi2 = 0;
  let df = -1;
  for (let i = 0; i < counts.length; i++) {
    const e = expected[i]!;
    if (e < 5) continue;
    chi2 += (counts[i]! - e) ** 2 / e;
    df++;
  }
  const z = normalQuantile(1 - 1e-6);
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  expect(chi2).toBeLessThan(critical);
}

const poissonPmf = (mean: number) => (k: number) => Math.exp(-mean + k * Math.log(mean) - logFactorial(k));
const binomialPmf = (n: number, p: number) => (k: number) =>
  Math.exp(logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log(1 - p));

describe('continuous samplers', () => {
  it('normal has the requested mean and variance', () => {
    const rng = createRng(1);
    expectMoments(() => normal(rng, 3, 2), 3, 4);
  });

  it('lognormal has mean exp(mu + s²/2) and variance (exp(s²) − 1)·exp(2mu + s²)', () => {
    const rng = createRng(2);
    const mu = -2;
    const s = 0.5;
    expectMoments(() => lognormal(rng, mu, s), Math.exp(mu + s * s / 2), (Math.exp(s * s) - 1) * Math.exp(2 * mu + s * s));
  });

  it.each([0.3, 1, 4.5, 50])('gamma(shape %s, scale 2) has mean 2k and variance 4k', (shape) => {
    const rng = createRng(3);
    expectMoments(() => gamma(rng, shape, 2), 2 * shape, 4 * shape);
  });

  it.each([
    [0.5, 0.5],
    [2, 48],
    [30, 5],
  ])('beta(%s, %s) has mean a/(a+b) and variance ab/((a+b)²(a+b+1))', (a, b) => {
    const rng = createRng(4);
    expectMoments(() => beta(rng, a, b), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)));
  });

  it('rejects invalid parameters', () => {
    const rng = createRng(5);
    expect(() => gamma(rng, 0)).toThrow(/shape/);
    expect(() => poisson(rng, -1)).toThrow(/mean/);
    expect(() => binomial(rng, 2.5, 0.5)).toThrow(/integer/);
    expect(() => binomial(rng, 3, 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('poisson', () => {
  it.each([0.2, 3, 9.9, 10, 37.5, 1000, 1e6])('mean %s has mean and variance equal to the mean', (mean) => {
    const rng = createRng(6);
    expectMoments(() => poisson(rng, mean), mean, mean);
  });

  it.each([4, 15, 80])('matches the exact pmf at mean %s (inversion and PTRS)', (mean) => {
    const rng = createRng(7);
    const sd = Math.sqrt(mean);
    expectPmf(() => poisson(rng, mean), poissonPmf(mean), Math.max(0, Math.floor(mean - 5 * sd)), Math.ceil(mean + 5 * sd));
  });

  it('is deterministic for a seed', () => {
    const a = createRng(8);
    const b = createRng(8);
    for (let i = 0; i < 100; i++) expect(poisson(a, 50)).toBe(poisson(b, 50));
  });
});

describe('binomial', () => {
  it.each([
    [20, 0.3],
    [1000, 0.005],
    [50, 0.5],
    [1000, 0.3],
    [1000, 0.97],
    [100_000, 0.0004],
    [10_000_000, 0.2],
  ])('n=%s p=%s has mean np and variance np(1−p)', (n, p) => {
    const rng = createRng(9);
    expectMoments(() => binomial(rng, n, p), n * p, n * p * (1 - p));
  });

  it.each([
    [30, 0.2],
    [60, 0.4],
    [500, 0.9],
    [2000, 0.05],
  ])('n=%s p=%s matches the exact pmf (inversion and BTRD)', (n, p) => {
    const rng = createRng(10);
    const sd = Math.sqrt(n * p * (1 - p));
    expectPmf(() => binomial(rng, n, p), binomialPmf(n, p), Math.max(0, Math.floor(n * p - 5 * sd)), Math.min(n, Math.ceil(n * p + 5 * sd)));
  });

  it('handles the degenerate cases', () => {
    const rng = createRng(11);
    expect(binomial(rng, 0, 0.5)).toBe(0);
    expect(binomial(rng, 10, 0)).toBe(0);
    expect(binomial(rng, 10, 1)).toBe(10);
  });
});

describe('multinomialInto', () => {
  it('places exactly n and matches n·p_i and n·p_i(1−p_i) per cell', () => {
    const rng = createRng(12);
    const probs = [0.5, 0.01, 0, 0.25, 0.24];
    const out = new Float64Array(probs.length);
    const draws = probs.map(() => new Float64Array(N / 4));
    for (let i = 0; i < N / 4; i++) {
      multinomialInto(rng, 700, probs, out);
      expect(out.reduce((a, b) => a + b, 0)).toBe(700);
      out.forEach((c, j) => (draws[j]![i] = c));
    }
    probs.forEach((p, j) => {
      const m = moments(draws[j]!);
      expect(Math.abs(m.mean - 700 * p)).toBeLessThanOrEqual(Z * Math.sqrt((700 * p * (1 - p)) / (N / 4)));
    });
    expect(moments(draws[2]!).mean).toBe(0);
  });

  it('normalises probabilities that do not sum to 1 and refuses an all-zero vector', () => {
    const rng = createRng(13);
    const out = multinomialInto(rng, 1000, [2, 2], [0, 0]);
    expect(out[0]! + out[1]!).toBe(1000);
    expect(() => multinomialInto(rng, 5, [0, 0], [0, 0])).toThrow(/sum to 0/);
    expect(() => multinomialInto(rng, 5, [1], [0, 0])).toThrow(/length/);
  });
});
