/*
 * Exact null distribution of the Mann–Whitney U (R's W) statistic for samples of sizes m and n
 * without ties, as used by R's pwilcox/qwilcox.
 */

const cache = new Map<string, Float64Array>();
const CACHE_LIMIT = 128;

/**
 * Probability mass function of U = #{(i, j): xᵢ > yⱼ} under H₀ for sizes `m`, `n`: element k is
 * P(U = k), k = 0 … m·n. Computed with the recursion on the largest observation (Mann & Whitney 1947):
 * p₍ₘ,ₙ₎(k) = m/(m+n)·p₍ₘ₋₁,ₙ₎(k−n) + n/(m+n)·p₍ₘ,ₙ₋₁₎(k), which only adds positive terms and so keeps
 * full relative precision where the counts C(m+n, n) would overflow 2⁵³. O(m²n²/4) time; results are
 * cached (at most 128 size pairs) because the engine asks for the same sizes many times: the returned
 * array is shared, so callers must not modify it.
 */
export function wilcoxonPmf(m: number, n: number): Float64Array {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1) {
    throw new RangeError(`wilcoxonPmf: sizes must be positive integers, got m=${m}, n=${n}`);
  }
  const key = `${m},${n}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const pmf = computePmf(m, n);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, pmf);
  return pmf;
}

function computePmf(m: number, n: number): Float64Array {
  // column[i] is the distribution for sizes (i, j) while j runs from 0 to n; U ≡ 0 when j = 0.
  let column: Float64Array[] = Array.from({ length: m + 1 }, () => Float64Array.of(1));
  for (let j = 1; j <= n; j++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let i = 1; i <= m; i++) {
      const out = new Float64Array(i * j + 1);
      const xLargest = next[i - 1] as Float64Array; // sizes (i−1, j): the largest value is an x, U += j
      const yLargest = column[i] as Float64Array; // sizes (i, j−1): the largest value is a y, U += 0
      const wx = i / (i + j);
      const wy = j / (i + j);
      for (let k = 0; k < xLargest.length; k++) out[k + j] = wx * (xLargest[k] as number);
      for (let k = 0; k < yLargest.length; k++) out[k] = (out[k] as number) + wy * (yLargest[k] as number);
      next.push(out);
    }
    column = next;
  }
  return column[m] as Float64Array;
}

/**
 * P(U ≤ q) under H₀ for sizes `m`, `n` (R's `pwilcox(q, m, n)`), or P(U > q) when `lowerTail` is false
 * (R's `lower.tail = FALSE`); q is floored like R (q + 1e-7). Like R it sums over the shorter tail using
 * the symmetry P(U ≤ k) = P(U ≥ mn − k), so tiny tail probabilities keep their relative precision.
 */
export function wilcoxonCdf(q: number, m: number, n: number, lowerTail = true): number {
  const mn = m * n;
  const k = Math.floor(q + 1e-7);
  if (k < 0) return lowerTail ? 0 : 1;
  if (k >= mn) return lowerTail ? 1 : 0;
  const pmf = wilcoxonPmf(m, n);
  if (k <= mn / 2) {
    const below = sumFirst(pmf, k);
    return lowerTail ? below : 1 - below;
  }
  const above = sumFirst(pmf, mn - k - 1);
  return lowerTail ? 1 - above : above;
}

/** Sum of pmf[0 … last]. */
function sumFirst(pmf: Float64Array, last: number): number {
  let sum = 0;
  for (let i = 0; i <= last; i++) sum += pmf[i] as number;
  return sum;
}

/**
 * Smallest q with P(U ≤ q) ≥ p under H₀ (R's `qwilcox(p, m, n)`, including its 10·ε fuzz so that
 * rounding in the cumulative sum cannot move the answer by one).
 */
export function wilcoxonQuantile(p: number, m: number, n: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  const mn = m * n;
  if (p === 0) return 0;
  if (p === 1) return mn;
  const pmf = wilcoxonPmf(m, n);
  let cumulative = 0;
  if (p <= 0.5) {
    const target = p - 10 * Number.EPSILON;
    for (let q = 0; q < mn; q++) {
      cumulative += pmf[q] as number;
      if (cumulative >= target) return q;
    }
    return mn;
  }
  const target = 1 - p + 10 * Number.EPSILON;
  for (let q = 0; q < mn; q++) {
    cumulative += pmf[q] as number;
    if (cumulative > target) return mn - q;
  }
  return 0;
}
