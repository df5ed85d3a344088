/**
 * Slowly varying hidden processes of the simulator: diurnal and load-ramp multipliers (functions of
 * time) and AR(1) processes advanced once per scrape interval (burst multipliers, latency drift,
 * per-slice retry probabilities).
 */
import type { Rng } from '../detect/random.js';
import { beta, gamma, normal, poisson } from './distributions.js';
import type { DiurnalSpec, LoadRamp } from './fleet-scenario.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A process advanced by one step per call. */
export interface SteppedProcess {
  next(): number;
}

/** Converts a per-minute lag-one autocorrelation to one for steps of `intervalMs`: phi^(intervalMs/60 s). */
export function phiForInterval(phiPerMinute: number, intervalMs: number): number {
  if (phiPerMinute <= 0) return 0;
  return Math.pow(phiPerMinute, intervalMs / MINUTE_MS);
}

/** Diurnal rate multiplier 1 + amplitude·cos(2π(t − peakOffsetMs)/periodMs) at `tMs`; 1 without a spec. */
export function diurnalMultiplier(spec: DiurnalSpec | undefined, tMs: number): number {
  if (spec === undefined || spec.amplitude === 0) return 1;
  const periodMs = spec.periodMs ?? DAY_MS;
  return 1 + spec.amplitude * Math.cos((2 * Math.PI * (tMs - spec.peakOffsetMs)) / periodMs);
}

/** Product of the trapezoidal load ramps that apply to `service` at `tMs` (see {@link LoadRamp}). */
export function loadMultiplier(ramps: readonly LoadRamp[], service: string, tMs: number): number {
  let multiplier = 1;
  for (const ramp of ramps) {
    if (ramp.services !== undefined && !ramp.services.includes(service)) continue;
    multiplier *= 1 + (ramp.factor - 1) * rampLevel(ramp, tMs);
  }
  return multiplier;
}

/** Fraction (0..1) of a ramp's full effect at `tMs`. */
function rampLevel(ramp: LoadRamp, tMs: number): number {
  if (tMs < ramp.startMs) return 0;
  const endMs = ramp.endMs ?? Number.POSITIVE_INFINITY;
  if (tMs >= endMs) return 0;
  if (ramp.rampMs <= 0) return 1;
  const rising = (tMs - ramp.startMs) / ramp.rampMs;
  const falling = (endMs - tMs) / ramp.rampMs;
  return Math.min(1, rising, falling);
}

/**
 * Stationary Gamma(shape, 1) AR(1) process with lag-one autocorrelation `phi`: X' = phi·X + ε, where
 * ε = Σ_{i≤N} phi^{U_i}·E_i, N ~ Poisson(−shape·ln phi), E_i ~ Exp(1) (Lawrance 1982, "The innovation
 * distribution of a gamma distributed autoregressive process"). Exact marginal; when the innovation
 * needs more than 100 exponentials on average it is replaced by a moment-matched gamma.
 */
export function gammaAr1(rng: Rng, shape: number, phi: number): SteppedProcess {
  let x = gamma(rng, shape);
  let first = true;
  const poissonMean = phi > 0 && phi < 1 ? -shape * Math.log(phi) : 0;
  const step = (): number => {
    if (phi <= 0) return gamma(rng, shape);
    if (phi >= 1) return x;
    if (poissonMean > 100) return phi * x + gamma(rng, (shape * (1 - phi)) / (1 + phi), 1 + phi);
    const count = poisson(rng, poissonMean);
    let innovation = 0;
    for (let i = 0; i < count; i++) innovation += Math.pow(phi, rng.next()) * -Math.log(1 - rng.next());
    return phi * x + innovation;
  };
  return {
    next(): number {
      if (first) first = false;
      else x = step();
      return x;
    },
  };
}

/** Burst multiplier with mean 1 and coefficient of variation `cv` (Gamma AR(1) / shape); constant 1 when cv = 0. */
export function burstProcess(rng: Rng, cv: number, phi: number): SteppedProcess {
  if (cv <= 0) return { next: () => 1 };
  const shape = 1 / (cv * cv);
  const process = gammaAr1(rng, shape, phi);
  return { next: () => process.next() / shape };
}

/** Stationary Gaussian AR(1) with mean 0, standard deviation `sd`, lag-one autocorrelation `phi`. */
export function gaussianAr1(rng: Rng, sd: number, phi: number): SteppedProcess {
  if (sd <= 0) return { next: () => 0 };
  let x = normal(rng, 0, sd);
  let first = true;
  const innovationSd = sd * Math.sqrt(Math.max(0, 1 - phi * phi));
  return {
    next(): number {
      if (first) first = false;
      else x = phi * x + normal(rng, 0, innovationSd);
      return x;
    },
  };
}

/**
 * Per-slice probability with mean `mean` and Beta overdispersion ρ = `dispersion` = 1/(a + b + 1),
 * AR(1)-correlated: Ga/(Ga + Gb) of two independent gamma AR(1) processes with the same phi, so the
 * marginal is exactly Beta(a, b). Constant `mean` when dispersion = 0.
 */
export function betaAr1(rng: Rng, mean: number, dispersion: number, phi: number): SteppedProcess {
  if (dispersion <= 0 || mean <= 0 || mean >= 1) return { next: () => mean };
  const total = 1 / dispersion - 1;
  const a = mean * total;
  const b = (1 - mean) * total;
  if (phi <= 0) return { next: () => beta(rng, a, b) };
  const ga = gammaAr1(rng, a, phi);
  const gb = gammaAr1(rng, b, phi);
  return {
    next(): number {
      const x = ga.next();
      return x / (x + gb.next());
    },
  };
}
