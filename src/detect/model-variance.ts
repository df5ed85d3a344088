/**
 * Model-based variance of a before-after rate test (retries per request; share of requests above a
 * latency bound), far more precise than a block bootstrap over a handful of blocks.
 *
 * Per instance and slice, the rate deviation x = y/n − R is modelled as an AR(1) drift shared by
 * the instance's slices (slow drifts: GC, noisy neighbours), a common AR(1) component shared by
 * all instances at the same time (load, a slow dependency), and sampling noise of variance c/n.
 * Moments are pooled over every instance and both windows, with each series' mean removed and the
 * resulting bias corrected (see `fitMoments`). Then
 *   Var(Σ y − R Σ n) = Σ_i [σd² Σ_t Σ_u n_it n_iu φ^|t−u| + c Σ_t n_it] + σc² Σ_t Σ_u N_t N_u φc^|t−u|
 * and Var(log rate) ≈ that / Y² (delta method).
 */
import { BASE, CTRL, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import { ar1MeanFactor, fitMoments } from './serial-correlation.js';
import type { SerialFit } from './serial-correlation.js';

/** Variance of one side's log rate with the degrees of freedom its fitted parameters deserve. */
export interface ModelVariance {
  readonly baseline: number;
  readonly after: number;
  readonly degreesOfFreedom: number;
  readonly instanceFit: SerialFit;
  readonly commonFit: SerialFit;
}

const NO_COMMON: SerialFit = { phi: 0, driftVariance: 0, noiseVariance: 0 };

/**
 * Variance of a difference-in-differences of log rates: the upgraded instances' change (BASE vs
 * TREAT) plus the controls' change (BASE vs CTRL), each from its own instances; common shocks
 * cancel between the arms and are left out. Null when an arm has no events.
 */
export function differenceInDifferencesVariance(panel: CountPanel, treated: ReadonlySet<number>, controls: ReadonlySet<number>): { variance: number; degreesOfFreedom: number } | null {
  const u = modelVariance(panel, BASE, TREAT, { rows: treated, common: false });
  const c = modelVariance(panel, BASE, CTRL, { rows: controls, common: false });
  if (u === null || c === null) return null;
  const vu = u.baseline + u.after;
  const vc = c.baseline + c.after;
  const df = ((vu + vc) * (vu + vc)) / ((vu * vu) / u.degreesOfFreedom + (vc * vc) / c.degreesOfFreedom);
  return { variance: vu + vc, degreesOfFreedom: df };
}

interface SideSeries {
  /** Per instance: x and n per slice (NaN x where the slice is not in the side). */
  readonly x: Float64Array[];
  readonly n: Float64Array[];
  readonly events: number;
}

/**
 * Variances of log(Y/N) on each side (`baselineState`, `afterState` slices of each row), from the
 * pooled AR(1)-plus-noise model. Returns null when a side has no events.
 */
export function modelVariance(
  panel: CountPanel,
  baselineState: number,
  afterState: number,
  options: { rows?: ReadonlySet<number>; common?: boolean } = {},
): ModelVariance | null {
  const selected = options.rows === undefined ? panel : { ...panel, instances: panel.instances.filter((_, r) => options.rows?.has(r)) };
  const sides = [sideSeries(selected, baselineState), sideSeries(selected, afterState)];
  if (sides.some((s) => s.events <= 0)) return null;
  const own = pooledMoments(sides, false);
  const instanceFit = fitMoments(own.gamma, own.length);
  const commonFit = options.common === false ? NO_COMMON : fitMoments(pooledMoments(sides, true).gamma, own.length);
  const noiseScale = noiseCoefficient(sides, instanceFit);
  const [b, a] = sides.map((side) => sideVariance(side, instanceFit, commonFit, noiseScale) / (side.events * side.events));
  const effective = own.slices * (1 - instanceFit.phi ** 2) / (1 + instanceFit.phi ** 2);
  return {
    baseline: b ?? NaN,
    after: a ?? NaN,
    degreesOfFreedom: Math.min(200, Math.max(4, effective / 4)),
    instanceFit,
    commonFit,
  };
}

function sideSeries(panel: CountPanel, state: number): SideSeries {
  let y = 0;
  let total = 0;
  for (const row of panel.instances) {
    for (let t = 0; t < panel.grid.count; t++) {
      if (row.track.state[t] !== state) continue;
      y += row.y[t] ?? 0;
      total += row.n[t] ?? 0;
    }
  }
  const rate = total > 0 ? y / total : 0;
  const x: Float64Array[] = [];
  const n: Float64Array[] = [];
  for (const row of panel.instances) {
    const xs = new Float64Array(panel.grid.count).fill(NaN);
    const ns = new Float64Array(panel.grid.count);
    for (let t = 0; t < panel.grid.count; t++) {
      const exposure = row.n[t] ?? 0;
      if (row.track.state[t] !== state || exposure <= 0) continue;
      xs[t] = (row.y[t] ?? 0) / exposure - rate;
      ns[t] = exposure;
    }
    x.push(demean(xs));
    n.push(ns);
  }
  return { x, n, events: y };
}

function demean(xs: Float64Array): Float64Array {
  let sum = 0;
  let k = 0;
  for (const v of xs) {
    if (Number.isNaN(v)) continue;
    sum += v;
    k++;
  }
  if (k > 0) for (let t = 0; t < xs.length; t++) if (!Number.isNaN(xs[t] ?? NaN)) xs[t] = (xs[t] ?? 0) - sum / k;
  return xs;
}

/**
 * Autocovariances at lags 0..2, pooled: within instances (`cross` false), or between different
 * instances at the same lag (`cross` true: the common component).
 */
function pooledMoments(sides: readonly SideSeries[], cross: boolean): { gamma: number[]; length: number; slices: number } {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  let slices = 0;
  let series = 0;
  for (const side of sides) {
    for (let i = 0; i < side.x.length; i++) {
      const xi = side.x[i] ?? new Float64Array();
      let present = 0;
      for (const v of xi) if (!Number.isNaN(v)) present++;
      if (present === 0) continue;
      slices += present;
      series++;
      for (let j = cross ? 0 : i; j <= (cross ? side.x.length - 1 : i); j++) {
        if (cross && j === i) continue;
        accumulateLags(xi, side.x[j] ?? xi, sums, counts);
      }
    }
  }
  const gamma = sums.map((s, k) => ((counts[k] ?? 0) > 0 ? s / (counts[k] ?? 1) : 0));
  return { gamma, length: series > 0 ? slices / series : 0, slices };
}

function accumulateLags(a: Float64Array, b: Float64Array, sums: number[], counts: number[]): void {
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

/** c in noise variance c/n: the fitted white variance divided by the mean of 1/n. */
function noiseCoefficient(sides: readonly SideSeries[], fit: SerialFit): number {
  let inv = 0;
  let k = 0;
  for (const side of sides) {
    for (const ns of side.n) {
      for (const v of ns) {
        if (v <= 0) continue;
        inv += 1 / v;
        k++;
      }
    }
  }
  return k > 0 && inv > 0 ? fit.noiseVariance / (inv / k) : 0;
}

/** Var(Σ y − R Σ n) of one side under the fitted model. */
function sideVariance(side: SideSeries, own: SerialFit, common: SerialFit, noiseScale: number): number {
  let variance = 0;
  const pooled = new Float64Array(side.n[0]?.length ?? 0);
  for (const ns of side.n) {
    variance += own.driftVariance * weightedAr1Sum(ns, own.phi);
    for (let t = 0; t < ns.length; t++) {
      variance += noiseScale * (ns[t] ?? 0);
      pooled[t] = (pooled[t] ?? 0) + (ns[t] ?? 0);
    }
  }
  return variance + common.driftVariance * weightedAr1Sum(pooled, common.phi);
}

/** Σ_t Σ_u w_t w_u φ^|t−u| in O(m) (slices with w = 0 are gaps that still age the correlation). */
export function weightedAr1Sum(w: Float64Array, phi: number): number {
  let total = 0;
  let carry = 0;
  for (let t = 0; t < w.length; t++) {
    const wt = w[t] ?? 0;
    total += wt * wt + 2 * wt * carry;
    carry = phi * (carry + wt);
  }
  return total;
}

/** Variance factor of a mean of m AR(1) values (re-exported for tests). */
export { ar1MeanFactor };
