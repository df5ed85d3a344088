/**
 * Model-based variance of a rate test (retries per request; share of requests above a latency
 * bound), far more precise than a block bootstrap over a handful of blocks.
 *
 * Per instance and slice, the relative rate deviation x = y / (n·R) − 1 is modelled as an AR(1)
 * drift of the instance (slow drifts: GC, noisy neighbours), a common AR(1) component shared by all
 * instances at the same time (load, a slow dependency), and sampling noise of variance c/n.
 * Moments are pooled over every instance and both windows, with each series' mean removed and the
 * resulting bias corrected (see `fitMoments`). Then, by the delta method,
 *   Var(log Y/N) = ( Σ_i [σd² Σ_t Σ_u n_it n_iu φ^|t−u| + c Σ_t n_it] + σc² Σ_t Σ_u N_t N_u φc^|t−u| ) / N².
 * The common component is kept only when the cross-instance covariance is clearly positive (z > 2):
 * fitted from noise it would inflate the variance for nothing.
 */
import { BASE, CTRL, TREAT, stateTotals } from './panel.js';
import type { CountPanel } from './panel.js';
import { accumulateCrossLagProducts, accumulateLagProducts, ar1MeanFactor, fitMoments } from './serial-correlation.js';
import type { SerialFit } from './serial-correlation.js';

/** Variance of each side's log rate with the degrees of freedom its fitted parameters deserve. */
export interface ModelVariance {
  readonly baseline: number;
  readonly after: number;
  readonly degreesOfFreedom: number;
  readonly instanceFit: SerialFit;
  readonly commonFit: SerialFit;
}

/** Options of {@link modelVariance}. */
export interface ModelVarianceOptions {
  /** Rows (instance indices) to use; default all. */
  readonly rows?: ReadonlySet<number>;
  /** Fit and add the common component (default true); a DiD removes it instead. */
  readonly common?: boolean;
  /** Per-slice common deviation to subtract from every x before fitting (DiD arms). */
  readonly commonSeries?: Float64Array;
  /** Only these slices count on the after side (the slices the estimate uses). */
  readonly afterSlices?: Int32Array;
  /** A level shift in the baseline at this slice: the baseline's deviations are taken from two levels. */
  readonly baselineBreak?: number;
}

const NO_COMMON: SerialFit = { phi: 0, driftVariance: 0, noiseVariance: 0 };

interface SideSeries {
  /** Per instance: relative deviation x per slice (NaN where the slice is not in the side). */
  readonly x: Float64Array[];
  readonly n: Float64Array[];
  readonly exposure: number;
  readonly events: number;
}

/**
 * Variances of log(Y/N) on each side (`baselineState`, `afterState` slices of each row), from the
 * pooled AR(1)-plus-noise model. Returns null when a side has no events.
 */
export function modelVariance(panel: CountPanel, baselineState: number, afterState: number, options: ModelVarianceOptions = {}): ModelVariance | null {
  const rows = panel.instances.filter((_, r) => options.rows === undefined || options.rows.has(r));
  const afterMask = sliceMask(panel.grid.count, options.afterSlices);
  const sides = [
    sideSeries(rows, baselineState, null, options.commonSeries, options.baselineBreak),
    sideSeries(rows, afterState, afterMask, options.commonSeries),
  ];
  if (sides.some((s) => s.events <= 0)) return null;
  demeanAcrossSides(sides);
  const own = pooledMoments(sides, false);
  const instanceFit = fitMoments(own.gamma, own.length);
  const commonFit = options.common === false ? NO_COMMON : commonComponent(sides, own, instanceFit.phi);
  const noiseScale = noiseCoefficient(sides, instanceFit);
  const [b, a] = sides.map((side) => sideVariance(side, instanceFit, commonFit, noiseScale) / (side.exposure * side.exposure));
  const effective = (own.slices * (1 - instanceFit.phi ** 2)) / (1 + instanceFit.phi ** 2);
  return {
    baseline: b ?? NaN,
    after: a ?? NaN,
    degreesOfFreedom: Math.min(200, Math.max(4, effective / 4)),
    instanceFit,
    commonFit,
  };
}

/**
 * Variance of a difference-in-differences of log rates over the after slices it uses: the upgraded
 * instances' change (BASE vs TREAT) plus the controls' change (BASE vs CTRL), each from its own
 * instances, after removing the deviation common to all instances at each slice (it cancels in
 * the DiD estimate). Null when an arm has no events.
 */
export function differenceInDifferencesVariance(
  panel: CountPanel,
  treated: ReadonlySet<number>,
  controls: ReadonlySet<number>,
  afterSlices?: Int32Array,
): { variance: number; degreesOfFreedom: number } | null {
  const commonSeries = commonDeviation(panel);
  const base = { common: false, commonSeries, ...(afterSlices ? { afterSlices } : {}) };
  const u = modelVariance(panel, BASE, TREAT, { ...base, rows: treated });
  const c = modelVariance(panel, BASE, CTRL, { ...base, rows: controls });
  if (u === null || c === null) return null;
  // Subtracting the mean of I instances also removes 1/I of each one's own variation: undo that.
  const restore = meanRemovalFactor(panel);
  const vu = (u.baseline + u.after) * restore;
  const vc = (c.baseline + c.after) * restore;
  const df = ((vu + vc) * (vu + vc)) / ((vu * vu) / u.degreesOfFreedom + (vc * vc) / c.degreesOfFreedom);
  return { variance: vu + vc, degreesOfFreedom: df };
}

/**
 * I/(I − 1) for the effective number I = (Σn)²/Σn² of instances behind the common mean, averaged
 * over slices: the variance a residual loses when that mean is subtracted is 1/I of it.
 */
function meanRemovalFactor(panel: CountPanel): number {
  let sum = 0;
  let slices = 0;
  for (let t = 0; t < panel.grid.count; t++) {
    let total = 0;
    let squares = 0;
    for (const row of panel.instances) {
      const n = row.n[t] ?? 0;
      total += n;
      squares += n * n;
    }
    if (total <= 0) continue;
    const effective = (total * total) / squares;
    if (effective <= 1) continue;
    sum += effective / (effective - 1);
    slices++;
  }
  return slices > 0 ? sum / slices : 1;
}

/**
 * Per slice, the exposure-weighted mean relative deviation of all instances from their own rate
 * in their current state (BASE, TREAT or CTRL): the movement every instance shares.
 */
export function commonDeviation(panel: CountPanel): Float64Array {
  const rates = new Map<string, number>();
  for (const state of [BASE, TREAT, CTRL]) {
    panel.instances.forEach((row, r) => rates.set(`${r}:${state}`, stateRate(row, state)));
  }
  const out = new Float64Array(panel.grid.count);
  for (let t = 0; t < panel.grid.count; t++) {
    let weighted = 0;
    let weight = 0;
    panel.instances.forEach((row, r) => {
      const state = row.track.state[t] ?? 0;
      const rate = rates.get(`${r}:${state}`) ?? 0;
      const n = row.n[t] ?? 0;
      if (n <= 0 || !(rate > 0)) return;
      weighted += (row.y[t] ?? 0) / rate - n;
      weight += n;
    });
    out[t] = weight > 0 ? weighted / weight : 0;
  }
  return out;
}

function stateRate(row: CountPanel['instances'][number], state: number): number {
  const { y, n } = stateTotals(row, state);
  return n > 0 ? y / n : NaN;
}

function sliceMask(count: number, slices: Int32Array | undefined): Uint8Array | null {
  if (slices === undefined) return null;
  const mask = new Uint8Array(count);
  for (const t of slices) mask[t] = 1;
  return mask;
}

function sideSeries(rows: CountPanel['instances'], state: number, mask: Uint8Array | null, common: Float64Array | undefined, split?: number): SideSeries {
  let y = 0;
  let total = 0;
  const segmentY = [0, 0];
  const segmentN = [0, 0];
  const segment = (t: number): number => (split !== undefined && t >= split ? 1 : 0);
  const inSide = (row: CountPanel['instances'][number], t: number): boolean =>
    row.track.state[t] === state && (row.n[t] ?? 0) > 0 && (mask === null || mask[t] === 1);
  for (const row of rows) {
    for (let t = 0; t < row.n.length; t++) {
      if (!inSide(row, t)) continue;
      y += row.y[t] ?? 0;
      total += row.n[t] ?? 0;
      segmentY[segment(t)] = (segmentY[segment(t)] ?? 0) + (row.y[t] ?? 0);
      segmentN[segment(t)] = (segmentN[segment(t)] ?? 0) + (row.n[t] ?? 0);
    }
  }
  // Deviations are taken from the level of the slice's segment (one segment unless the side has a break).
  const levels = segmentY.map((sy, k) => ((segmentN[k] ?? 0) > 0 ? sy / (segmentN[k] ?? 1) : 0));
  const rateAt = (t: number): number => levels[segment(t)] ?? 0;
  const x: Float64Array[] = [];
  const n: Float64Array[] = [];
  for (const row of rows) {
    const xs = new Float64Array(row.n.length).fill(NaN);
    const ns = new Float64Array(row.n.length);
    for (let t = 0; t < row.n.length; t++) {
      const rate = rateAt(t);
      if (!inSide(row, t) || !(rate > 0)) continue;
      const exposure = row.n[t] ?? 0;
      xs[t] = (row.y[t] ?? 0) / (exposure * rate) - 1 - (common?.[t] ?? 0);
      // Weight n·R_segment/R̄: with two levels, Var(Y)/Y² = Var(Σ n·R_seg·x)/(Σ n·R_seg)².
      ns[t] = (exposure * rate) / (y / total);
    }
    x.push(xs);
    n.push(ns);
  }
  return { x, n, exposure: total, events: y };
}

/**
 * Removes each instance's mean deviation over both windows together. The windows' own rate levels
 * are already removed (x is relative to each window's pooled rate), so what is left is the
 * instance's offset; one mean over both windows is estimated from twice the slices, which keeps
 * the demeaning bias that `fitMoments` corrects small and the fit stable.
 */
function demeanAcrossSides(sides: readonly SideSeries[]): void {
  const instances = sides[0]?.x.length ?? 0;
  for (let i = 0; i < instances; i++) {
    let sum = 0;
    let k = 0;
    for (const side of sides) {
      for (const v of side.x[i] ?? []) {
        if (Number.isNaN(v)) continue;
        sum += v;
        k++;
      }
    }
    if (k === 0) continue;
    for (const side of sides) {
      const xs = side.x[i];
      if (xs === undefined) continue;
      for (let t = 0; t < xs.length; t++) if (!Number.isNaN(xs[t] ?? NaN)) xs[t] = (xs[t] ?? 0) - sum / k;
    }
  }
}

/**
 * The common component's fit, or none when the cross-instance lag-0 covariance is not clearly
 * positive (z > 2). Without a common component, the mean of products of two independent AR(1)
 * series has variance γ(0)²·(1+φ²)/((1−φ²)·pairs) (Bartlett), far above γ(0)²/pairs when φ is high.
 */
function commonComponent(sides: readonly SideSeries[], own: { gamma: number[]; length: number }, phi: number): SerialFit {
  const cross = pooledMoments(sides, true);
  const [c0 = 0] = cross.gamma;
  const [g0 = 0] = own.gamma;
  if (cross.pairs <= 0 || g0 <= 0) return NO_COMMON;
  const standardError = g0 * Math.sqrt((1 + phi * phi) / ((1 - phi * phi) * cross.pairs));
  return c0 > 2 * standardError ? fitMoments(cross.gamma, own.length) : NO_COMMON;
}

/**
 * Autocovariances at lags 0..2, pooled: within instances (`cross` false), or between different
 * instances at the same lag (`cross` true: the common component).
 */
function pooledMoments(sides: readonly SideSeries[], cross: boolean): { gamma: number[]; length: number; slices: number; pairs: number } {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  let slices = 0;
  const instances = new Set<number>();
  for (const side of sides) {
    for (let i = 0; i < side.x.length; i++) {
      const xi = side.x[i] ?? new Float64Array();
      let present = 0;
      for (const v of xi) if (!Number.isNaN(v)) present++;
      if (present === 0) continue;
      slices += present;
      instances.add(i);
      if (!cross) accumulateLagProducts(xi, xi, sums, counts);
    }
    if (cross) accumulateCrossLagProducts(side.x, sums, counts);
  }
  const gamma = sums.map((s, k) => ((counts[k] ?? 0) > 0 ? s / (counts[k] ?? 1) : 0));
  // Each instance's mean is removed once over both windows: its series length is its slices in both.
  return { gamma, length: instances.size > 0 ? slices / instances.size : 0, slices, pairs: counts[0] ?? 0 };
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

/** Var(Σ n·x) of one side under the fitted model (relative units). */
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
