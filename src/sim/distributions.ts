/**
 * Seeded samplers for the simulator, all drawing from one {@link Rng}. Every sampler consumes a
 * variable but deterministic number of uniforms, so the same seed yields the same stream.
 */
import type { Rng } from '../detect/random.js';
import { logFactorial, stirlingCorrection } from './log-factorial.js';

const TWO_PI = 2 * Math.PI;

/** Uniform in (0, 1]: safe for logarithms. */
function openUniform(rng: Rng): number {
  return 1 - rng.next();
}

/** Normal(mean, sd) by the Box–Muller transform (one variate per call, no hidden state). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  const radius = Math.sqrt(-2 * Math.log(openUniform(rng)));
  return mean + sd * radius * Math.cos(TWO_PI * rng.next());
}

/** Lognormal: exp(Normal(logMean, logSd)); its median is exp(logMean). */
export function lognormal(rng: Rng, logMean: number, logSd: number): number {
  return Math.exp(normal(rng, logMean, logSd));
}

/**
 * Gamma(shape, scale) (mean shape·scale) by Marsaglia & Tsang (2000), "A simple method for
 * generating gamma variables"; shape < 1 uses the boost Gamma(shape + 1)·U^(1/shape).
 */
export function gamma(rng: Rng, shape: number, scale = 1): number {
  if (!(shape > 0) || !(scale > 0)) throw new RangeError(`gamma: shape and scale must be > 0, got ${shape}, ${scale}`);
  if (shape < 1) return gamma(rng, shape + 1, scale) * Math.pow(openUniform(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = openUniform(rng);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v * scale;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Beta(a, b) as Ga/(Ga + Gb) with independent unit-scale gammas. */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x / (x + y);
}

/**
 * Poisson(mean): sequential inversion below mean 10, else PTRS (Hörmann 1993, "The transformed
 * rejection method for generating Poisson random variables"), exact in both regimes.
 */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson: mean must be finite and >= 0, got ${mean}`);
  if (mean === 0) return 0;
  return mean < 10 ? poissonInversion(rng, mean) : poissonPtrs(rng, mean);
}

function poissonInversion(rng: Rng, mean: number): number {
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = rng.next();
  let k = 0;
  while (u > cumulative && k < 1000) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

function poissonPtrs(rng: Rng, mean: number): number {
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const lhs = Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b);
    if (lhs <= -mean + k * logMean - logFactorial(k)) return k;
  }
}

/**
 * Binomial(n, p): inversion when n·min(p, 1−p) < 10, else BTRD (Hörmann 1993, "The generation of
 * binomial random variates"), exact in both regimes. `n` must be a non-negative integer.
 */
export function binomial(rng: Rng, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial: n must be an integer >= 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  const flipped = p > 0.5;
  const q = flipped ? 1 - p : p;
  const k = n * q < 10 ? binomialInversion(rng, n, q) : binomialBtrd(rng, n, q);
  return flipped ? n - k : k;
}

function binomialInversion(rng: Rng, n: number, p: number): number {
  const s = p / (1 - p);
  const a = (n + 1) * s;
  for (;;) {
    let r = Math.pow(1 - p, n);
    let u = rng.next();
    let k = 0;
    while (u > r) {
      u -= r;
      k++;
      if (k > n) break;
      r *= a / k - s;
    }
    if (k <= n) return k;
  }
}

function binomialBtrd(rng: Rng, n: number, p: number): number {
  const m = Math.floor((n + 1) * p);
  const r = p / (1 - p);
  const nr = (n + 1) * r;
  const npq = n * p * (1 - p);
  const sqrtNpq = Math.sqrt(npq);
  const b = 1.15 + 2.53 * sqrtNpq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const alpha = (2.83 + 5.1 / b) * sqrtNpq;
  const vr = 0.92 - 4.2 / b;
  const urvr = 0.86 * vr;
  for (;;) {
    let v = rng.next();
    let u: number;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return Math.floor(((2 * a) / (0.5 - Math.abs(u)) + b) * u + c);
    }
    if (v >= vr) {
      u = rng.next() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = rng.next() * vr;
    }
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    v = (v * alpha) / (a / (us * us) + b);
    if (btrdAccept(k, v, { n, m, r, nr, npq })) return k;
  }
}

interface BtrdSetup {
  n: number;
  m: number;
  r: number;
  nr: number;
  npq: number;
}

/** BTRD steps 3.1–3.4: exact acceptance of candidate k with scaled uniform v. */
function btrdAccept(k: number, v: number, s: BtrdSetup): boolean {
  const km = Math.abs(k - s.m);
  if (km <= 15) {
    let f = 1;
    if (s.m < k) for (let i = s.m + 1; i <= k; i++) f *= s.nr / i - s.r;
    else if (s.m > k) for (let i = k + 1; i <= s.m; i++) v *= s.nr / i - s.r;
    return v <= f;
  }
  const logV = Math.log(v);
  const rho = (km / s.npq) * (((km / 3 + 0.625) * km + 1 / 6) / s.npq + 0.5);
  const t = (-km * km) / (2 * s.npq);
  if (logV < t - rho) return true;
  if (logV > t + rho) return false;
  const nm = s.n - s.m + 1;
  const h = (s.m + 0.5) * Math.log((s.m + 1) / (s.r * nm)) + stirlingCorrection(s.m) + stirlingCorrection(s.n - s.m);
  const nk = s.n - k + 1;
  const bound =
    h + (s.n + 1) * Math.log(nm / nk) + (k + 0.5) * Math.log((nk * s.r) / (k + 1)) - stirlingCorrection(k) - stirlingCorrection(s.n - k);
  return logV <= bound;
}

/**
 * Multinomial(n, probs) written into `out` (same length as `probs`) by conditional binomials:
 * out[i] ~ Binomial(n − Σ out[<i], probs[i] / Σ probs[≥i]). `probs` need not sum to exactly 1
 * (they are normalised); entries must be ≥ 0. Stops early once all n are placed. Returns `out`.
 */
export function multinomialInto<T extends { [i: number]: number; length: number }>(rng: Rng, n: number, probs: ArrayLike<number>, out: T): T {
  if (out.length !== probs.length) throw new RangeError(`multinomialInto: out has length ${out.length}, probs ${probs.length}`);
  let remainingMass = 0;
  for (let i = 0; i < probs.length; i++) remainingMass += probs[i] ?? 0;
  if (n > 0 && !(remainingMass > 0)) throw new RangeError(`multinomialInto: probabilities sum to ${remainingMass}, expected > 0`);
  let remaining = n;
  const last = probs.length - 1;
  for (let i = 0; i <= last; i++) {
    const pi = probs[i] ?? 0;
    if (remaining === 0) {
      out[i] = 0;
      continue;
    }
    const share = i === last || pi >= remainingMass ? 1 : Math.max(0, pi / remainingMass);
    const count = share === 1 ? remaining : binomial(rng, remaining, share);
    out[i] = count;
    remaining -= count;
    remainingMass -= pi;
  }
  return out;
}
