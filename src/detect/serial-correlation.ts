/**
 * Correction of block-bootstrap variances for slow, instance-level drifts (GC pressure, noisy
 * neighbours, cache churn): when the correlation time of a series is a sizeable part of the window,
 * blocks of a few slices capture only part of the long-run variance of the window mean.
 *
 * Model: each instance's per-slice residual is an AR(1) "drift" plus white sampling noise, an
 * ARMA(1,1) whose moments give φ = γ(2)/γ(1) and the drift variance γ(1)/φ (Box & Jenkins; the
 * noise only enters γ(0)). The moments are pooled over instances and both sides, which is what makes
 * them estimable from one analysis. The variance of a mean over m slices is then
 * σs²·g(m) + σe² with g(n) = (1+φ)/(1−φ) − 2φ(1−φⁿ)/(n(1−φ)²), while a block bootstrap with blocks
 * of L slices sees about σs²·g(L) + σe²: their ratio inflates the bootstrap variance.
 */
import { stateTotals } from './panel.js';
import type { CountPanel } from './panel.js';

/** AR(1)-plus-noise moments of per-slice residual series. */
export interface SerialFit {
  readonly phi: number;
  /** Variance of the AR(1) drift part, per slice. */
  readonly driftVariance: number;
  /** Variance of the white part (sampling noise), per slice. */
  readonly noiseVariance: number;
}

/** Largest φ trusted from short series; beyond it the window holds too little to say. */
const MAX_PHI = 0.97;

/**
 * Fits φ and the variance split from per-instance residuals y − R·n on the slices in `state` (one
 * rate R per state), pooling lag products over instances and the given states. Lags only pair
 * consecutive slices that are both in the state.
 */
export function fitSerialCorrelation(panel: CountPanel, states: readonly number[]): SerialFit {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  let series = 0;
  for (const state of states) {
    const rate = stateRate(panel, state);
    for (const row of panel.instances) {
      const u = residuals(row, state, rate);
      if (u.some((v) => !Number.isNaN(v))) series++;
      accumulateLagProducts(u, u, sums, counts);
    }
  }
  const gamma = sums.map((s, k) => ((counts[k] ?? 0) > 0 ? s / (counts[k] ?? 1) : 0));
  return fitMoments(gamma, series > 0 ? (counts[0] ?? 0) / series : 0);
}

/**
 * φ and the variance split from sample autocovariances γ̂(0..2) of demeaned series of typical
 * length `length`. Removing each series' mean biases every autocovariance downwards, by about the
 * variance of that mean, which for a persistent drift is large. The fit adds back the exact
 * expected bias under the current parameters (`demeaningBias`) and iterates to a fixed point (a
 * Marriott-Pope style correction).
 */
export function fitMoments(gamma: readonly number[], length: number): SerialFit {
  const [g0 = 0, g1 = 0, g2 = 0] = gamma;
  const m = Math.round(length);
  if (g0 <= 0 || g1 <= 0 || g2 <= 0 || m < 4) return { phi: 0, driftVariance: 0, noiseVariance: Math.max(0, g0) };
  let phi = Math.min(MAX_PHI, g2 / g1);
  let drift = g1 / phi;
  let noise = Math.max(0, g0 - drift);
  for (let i = 0; i < 2000; i++) {
    const [b0 = 0, b1 = 0, b2 = 0] = demeaningBias(phi, drift, noise, m);
    const c0 = g0 - b0;
    const c1 = g1 - b1;
    const c2 = g2 - b2;
    const next = c1 > 0 ? Math.min(MAX_PHI, Math.max(0, c2 / c1)) : 0;
    const nextDrift = next > 0 ? Math.min(c0, c1 / next) : 0;
    const converged = Math.abs(next - phi) < 1e-10 && Math.abs(nextDrift - drift) < 1e-12 * Math.max(1, drift);
    phi = next;
    drift = nextDrift;
    noise = Math.max(0, c0 - drift);
    if (converged || phi === 0) break;
  }
  return { phi, driftVariance: drift, noiseVariance: noise };
}

/**
 * E[γ̂(k)] − γ(k) for k = 0, 1, 2 when γ̂ is the autocovariance (divisor m − k) of one AR(1)-plus-
 * white-noise series of length m after removing its sample mean:
 * −(1/(m−k)) Σ_{t≤m−k} [Cov(x_t, x̄) + Cov(x_{t+k}, x̄)] + Var(x̄).
 */
export function demeaningBias(phi: number, drift: number, noise: number, m: number): number[] {
  // c[t] = Cov(x_t, x̄) = (drift · Σ_u φ^|t−u| + noise) / m, for t = 0 … m−1, where
  // Σ_u φ^|t−u| = (1 − φ^(t+1))/(1 − φ) + (1 − φ^(m−t))/(1 − φ) − 1. This runs inside the fit's
  // fixed-point loop for every look of every group, so the powers come from one table.
  const c = new Float64Array(m);
  const powers = new Float64Array(m + 1);
  powers[0] = 1;
  for (let j = 1; j <= m; j++) powers[j] = (powers[j - 1] ?? 0) * phi;
  const scale = phi === 0 ? 0 : 1 / (1 - phi);
  let meanVariance = 0;
  for (let t = 0; t < m; t++) {
    const rowSum = phi === 0 ? 1 : (2 - (powers[t + 1] ?? 0) - (powers[m - t] ?? 0)) * scale - 1;
    const ct = (drift * rowSum + noise) / m;
    c[t] = ct;
    meanVariance += ct / m;
  }
  const bias = [0, 0, 0];
  for (let k = 0; k <= 2; k++) {
    let sum = 0;
    for (let t = 0; t < m - k; t++) sum += (c[t] ?? 0) + (c[t + k] ?? 0);
    bias[k] = -sum / (m - k) + meanVariance;
  }
  return bias;
}

/** g(n): the variance of a mean of n AR(1) values, in units of (stationary variance / n). */
export function ar1MeanFactor(phi: number, n: number): number {
  if (phi <= 0 || n <= 1) return 1;
  return (1 + phi) / (1 - phi) - (2 * phi * (1 - phi ** n)) / (n * (1 - phi) ** 2);
}

/**
 * How much larger the variance of a window mean over `slices` is than what a moving-block bootstrap
 * with blocks of `blockLength` estimates, under the fitted model (≥ 1). Resampled blocks are centred
 * at the window mean, so the bootstrap sees σs²·(g(L) − g(m)·L/m) + σe²·(1 − L/m), not σs²·g(L) + σe²
 * (Künsch 1989; Lahiri 2003 §3): for a persistent drift that centring term is most of the gap.
 */
export function varianceInflation(fit: SerialFit, slices: number, blockLength: number): number {
  const total = fit.driftVariance + fit.noiseVariance;
  if (total <= 0 || slices <= 1) return 1;
  const share = Math.min(1, blockLength / slices);
  const window = fit.driftVariance * ar1MeanFactor(fit.phi, slices) + fit.noiseVariance;
  const uncentred = fit.driftVariance * ar1MeanFactor(fit.phi, blockLength) + fit.noiseVariance;
  const centred = uncentred - share * window;
  // Never trust a centred estimate below a quarter of the uncentred one: the factor would explode.
  return Math.max(1, window / Math.max(centred, 0.25 * uncentred));
}

/**
 * How much a likelihood over segments of `segmentSlices` slices must be tempered (≥ 1): the
 * variance of a segment mean under the fitted drift relative to independent slices. A Poisson
 * likelihood otherwise reads a drift excursion of many slices as a decisive step.
 */
export function driftTempering(fit: SerialFit, segmentSlices: number): number {
  const total = fit.driftVariance + fit.noiseVariance;
  if (total <= 0) return 1;
  return Math.max(1, (fit.driftVariance * ar1MeanFactor(fit.phi, segmentSlices) + fit.noiseVariance) / total);
}

function stateRate(panel: CountPanel, state: number): number {
  let y = 0;
  let n = 0;
  for (const row of panel.instances) {
    const totals = stateTotals(row, state);
    y += totals.y;
    n += totals.n;
  }
  return n > 0 ? y / n : 0;
}

/**
 * Adds Σ a_t·b_(t−lag) and the number of pairs to `sums[lag]`, `counts[lag]` for lags 0..2,
 * skipping pairs where either value is NaN (a slice outside the series).
 */
export function accumulateLagProducts(a: Float64Array, b: Float64Array, sums: number[], counts: number[]): void {
  for (let lag = 0; lag <= 2; lag++) {
    for (let t = lag; t < a.length; t++) {
      const u = a[t] ?? NaN;
      const v = b[t - lag] ?? NaN;
      if (Number.isNaN(u) || Number.isNaN(v)) continue;
      sums[lag] = (sums[lag] ?? 0) + u * v;
      counts[lag] = (counts[lag] ?? 0) + 1;
    }
  }
}

/**
 * Adds Σ_(i≠j) Σ_t x_i[t]·x_j[t−lag] over every ordered pair of different series, and the number
 * of such products, to `sums[lag]`, `counts[lag]` for lags 0..2, skipping NaN values as
 * {@link accumulateLagProducts} does for each pair. O(series × slices): the sum over all pairs is
 * the product of the per-slice totals, less each series' products with itself.
 */
export function accumulateCrossLagProducts(xs: readonly Float64Array[], sums: number[], counts: number[]): void {
  const length = xs.reduce((m, x) => Math.max(m, x.length), 0);
  const total = new Float64Array(length);
  const present = new Float64Array(length);
  const ownSums = [0, 0, 0];
  const ownCounts = [0, 0, 0];
  for (const x of xs) {
    for (let t = 0; t < x.length; t++) {
      const v = x[t] ?? NaN;
      if (Number.isNaN(v)) continue;
      total[t] = (total[t] ?? 0) + v;
      present[t] = (present[t] ?? 0) + 1;
    }
    accumulateLagProducts(x, x, ownSums, ownCounts);
  }
  for (let lag = 0; lag <= 2; lag++) {
    let sum = 0;
    let count = 0;
    for (let t = lag; t < length; t++) {
      sum += (total[t] ?? 0) * (total[t - lag] ?? 0);
      count += (present[t] ?? 0) * (present[t - lag] ?? 0);
    }
    sums[lag] = (sums[lag] ?? 0) + sum - (ownSums[lag] ?? 0);
    counts[lag] = (counts[lag] ?? 0) + count - (ownCounts[lag] ?? 0);
  }
}

/** y − R·n per slice of the row, NaN outside `state`; the row's own mean residual is removed. */
function residuals(row: CountPanel['instances'][number], state: number, rate: number): Float64Array {
  const u = new Float64Array(row.y.length).fill(NaN);
  let sum = 0;
  let k = 0;
  for (let t = 0; t < u.length; t++) {
    if (row.track.state[t] !== state) continue;
    u[t] = (row.y[t] ?? 0) - rate * (row.n[t] ?? 0);
    sum += u[t] ?? 0;
    k++;
  }
  if (k === 0) return u;
  const mean = sum / k;
  for (let t = 0; t < u.length; t++) if (!Number.isNaN(u[t] ?? NaN)) u[t] = (u[t] ?? 0) - mean;
  return u;
}
