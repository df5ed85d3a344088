/**
 * Tail-latency shift detection for one group (one histogram panel).
 *
 * Significance comes from the fraction of requests above the bucket bound nearest the baseline's
 * quantile (a count test that bucket resolution cannot distort); the effect size and its interval
 * come from the quantile estimates themselves. Both use the same split block bootstrap over time
 * slices, and the same design (before-after, or difference-in-differences against concurrent controls).
 */
import { createRng } from './random.js';
import { BASE, TREAT, exceedancePanel } from './panel.js';
import type { CountPanel, HistogramPanel } from './panel.js';
import { buildResamplePlan } from './resample-plan.js';
import type { ResamplePlan } from './resample-plan.js';
import { blockCount, inflatedLogEffect, runBootstrap } from './inference.js';
import type { BaselineBreak } from './baseline-stability.js';
import type { BootstrapSummary, LogEffect, SideInflation } from './inference.js';
import { baselineBreakNote, designNotes, rateTest, sideInflation, testName } from './rate-test.js';
import { accumulate, beforeAfterQuantiles, differenceInDifferencesQuantiles, pooledBySlice } from './quantile-estimators.js';
import { histogramQuantile, quantileBucket, tailBoundaryIndex } from './stats/histogram-quantile.js';
import { perSliceQuantiles, secondOpinion } from './second-opinion.js';
import { contractValues, groupSeed, quantileName } from './statistic.js';
import type { DetectionSettings, GroupDetection, StatisticResult } from './statistic.js';

/** What a latency signal asks for. */
export interface LatencySignalSpec {
  readonly quantiles: readonly number[];
  readonly minRelativeChange: number;
  readonly minAbsoluteChange: number;
}

/** Detects shifts of each requested quantile in one latency group; `key` seeds the bootstrap. */
export function detectLatencyShift(panel: HistogramPanel, spec: LatencySignalSpec, settings: DetectionSettings, key: string): GroupDetection {
  const tracks = panel.instances.map((row) => row.track);
  const plan = buildResamplePlan(tracks, { ...settings, rng: createRng(groupSeed(settings.seed, key)) });
  const width = panel.bounds.length;
  const baseBySlice = pooledBySlice(panel, BASE);
  const treatBySlice = pooledBySlice(panel, TREAT);
  const treatSlices = slicesWithData(treatBySlice, width);
  const baseHist = accumulate(baseBySlice, width, plan.baselineSlices, new Float64Array(width));
  const afterHist = accumulate(treatBySlice, width, treatSlices, new Float64Array(width));
  const blocks = { baseline: blockCount(plan.baselineSlices.length, plan.baselineBlockLength), after: blockCount(plan.afterSlices.length, plan.afterBlockLength) };

  const quantileSummary = runBootstrap(
    plan,
    spec.quantiles.length,
    plan.design === 'difference-in-differences'
      ? differenceInDifferencesQuantiles(panel, spec.quantiles, plan.afterSlices)
      : beforeAfterQuantiles(panel, spec.quantiles),
  );
  const notes = designNotes(plan, tracks.length);
  const context: QuantileContext = { panel, plan, settings, baseHist, afterHist, baseBySlice, treatBySlice, treatSlices, blocks, notes, boundaryTests: new Map() };
  const statistics: StatisticResult[] = [];
  const onsetPanels: (CountPanel | null)[] = [];
  spec.quantiles.forEach((q, j) => {
    const { statistic, onsetPanel } = quantileStatistic(context, q, quantileSummary, j);
    statistics.push(statistic);
    onsetPanels.push(onsetPanel);
  });
  return {
    design: plan.design,
    statistics,
    onsetPanels,
    minRelativeChange: spec.minRelativeChange,
    minAbsoluteChange: spec.minAbsoluteChange,
    notes,
  };
}

interface QuantileContext {
  readonly panel: HistogramPanel;
  readonly plan: ResamplePlan;
  readonly settings: DetectionSettings;
  readonly baseHist: Float64Array;
  readonly afterHist: Float64Array;
  readonly baseBySlice: Float64Array;
  readonly treatBySlice: Float64Array;
  readonly treatSlices: Int32Array;
  readonly blocks: { baseline: number; after: number };
  /** Group notes collected while testing (e.g. a level shift in the baseline). */
  readonly notes: string[];
  /** Exceedance tests by bucket-bound index. */
  readonly boundaryTests: Map<number, BoundaryTest>;
}

function quantileStatistic(ctx: QuantileContext, q: number, quantiles: BootstrapSummary, j: number): { statistic: StatisticResult; onsetPanel: CountPanel | null } {
  const { panel, plan, settings, baseHist, afterHist } = ctx;
  const baseline = histogramQuantile(panel.bounds, baseHist, q);
  const after = histogramQuantile(panel.bounds, afterHist, q);
  const shell = {
    name: quantileName(q),
    baseline,
    after,
    design: plan.design,
    qValue: NaN,
  };
  const shortage = dataShortage(ctx, q);
  const boundary = tailBoundaryIndex(panel.bounds, baseHist, q);
  if (shortage !== null || boundary < 0) {
    const reason = shortage ?? `no requests above any finite bucket bound in the baseline: ${shell.name} cannot be tested`;
    return { statistic: inconclusive(shell, reason), onsetPanel: null };
  }
  const { counts, inflation, test } = boundaryTest(ctx, boundary);
  const breakNote = baselineBreakNote(panel.grid, test.baselineBreak);
  if (breakNote !== null && !ctx.notes.includes(breakNote)) ctx.notes.push(breakNote);
  const effect = inflatedLogEffect(quantiles, j, inflation, ctx.blocks, settings.confidenceLevel);
  const values = contractValues(plan.design, baseline, after, Math.expm1(effect.estimate));
  const le = panel.bounds[boundary] ?? NaN;
  const resolution = { baseline: bucketRange(panel.bounds, baseHist, q), after: bucketRange(panel.bounds, afterHist, q) };
  const censored = censoredReason(panel.bounds, resolution, shell.name);
  const statistic: StatisticResult = {
    ...shell,
    ...values,
    ci: [Math.expm1(effect.interval[0]), Math.expm1(effect.interval[1])],
    absoluteChange: baseline * values.relativeChange,
    pValue: test.pValue,
    testKey: `le=${le}`,
    testEffect: { estimate: test.estimate, standardError: test.standardError, degreesOfFreedom: test.degreesOfFreedom },
    test:
      `${testName(plan.design)} (df ${test.degreesOfFreedom.toFixed(1)}) on the share of requests above le=${le}; ` +
      `${shell.name} by log-survival interpolation within buckets, interval by drift-corrected block bootstrap`,
    verdict: 'no_change',
    exceedance: {
      le,
      baselineFraction: fractionAbove(baseHist, boundary),
      afterFraction: fractionAbove(afterHist, boundary),
    },
    resolution,
    ...(censored !== null ? { reason: censored } : {}),
    secondOpinion: secondOpinion(
      perSliceQuantiles(panel.bounds, ctx.baseBySlice, plan.baselineSlices, q),
      perSliceQuantiles(panel.bounds, ctx.treatBySlice, ctx.treatSlices, q),
      settings.confidenceLevel,
    ),
  };
  return { statistic, onsetPanel: counts };
}

interface BoundaryTest {
  readonly counts: CountPanel;
  readonly inflation: SideInflation;
  readonly test: LogEffect & { baselineBreak?: BaselineBreak };
}

/** The exceedance test at one bucket bound, computed once even when several quantiles share the bound. */
function boundaryTest(ctx: QuantileContext, boundary: number): BoundaryTest {
  const cached = ctx.boundaryTests.get(boundary);
  if (cached !== undefined) return cached;
  const counts = exceedancePanel(ctx.panel, boundary);
  const inflation = sideInflation(counts, ctx.plan);
  const result = { counts, inflation, test: rateTest(counts, ctx.plan, inflation, ctx.blocks, ctx.settings.confidenceLevel) };
  ctx.boundaryTests.set(boundary, result);
  return result;
}

/** Why a quantile cannot be judged (too few slices or requests on a side), or null. */
function dataShortage(ctx: QuantileContext, q: number): string | null {
  const width = ctx.panel.bounds.length;
  const baseSlices = slicesWithData(ctx.baseBySlice, width).length;
  const { minSlices, minTailEvents } = ctx.settings;
  if (baseSlices < minSlices) return `only ${baseSlices} baseline slices with data (need ≥ ${minSlices})`;
  if (ctx.treatSlices.length < minSlices) return `only ${ctx.treatSlices.length} slices with data after the rollout (need ≥ ${minSlices})`;
  const needed = Math.ceil(minTailEvents / (1 - q));
  const nb = sum(ctx.baseHist);
  const na = sum(ctx.afterHist);
  if (nb < needed) return `too few requests in the baseline: ${Math.round(nb)}, need ≥ ${needed} for ${quantileName(q)}`;
  if (na < needed) return `too few requests after the rollout: ${Math.round(na)}, need ≥ ${needed} for ${quantileName(q)}`;
  return null;
}

function inconclusive(shell: { name: string; baseline: number; after: number; design: StatisticResult['design']; qValue: number }, reason: string): StatisticResult {
  return { ...shell, relativeChange: NaN, ci: [NaN, NaN], absoluteChange: NaN, pValue: NaN, test: 'not tested', verdict: 'inconclusive', reason };
}

/** Slices whose pooled histogram holds at least one request. */
export function slicesWithData(bySlice: Float64Array, width: number): Int32Array {
  const out: number[] = [];
  for (let t = 0; t * width < bySlice.length; t++) {
    let s = 0;
    for (let k = 0; k < width; k++) s += bySlice[t * width + k] ?? 0;
    if (s > 0) out.push(t);
  }
  return Int32Array.from(out);
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function fractionAbove(hist: Float64Array, boundary: number): number {
  let above = 0;
  for (let k = boundary + 1; k < hist.length; k++) above += hist[k] ?? 0;
  const all = sum(hist);
  return all > 0 ? above / all : NaN;
}

function bucketRange(bounds: readonly number[], hist: Float64Array, q: number): [number, number] {
  const b = quantileBucket(bounds, hist, q);
  return [b.lower, b.upper];
}

/**
 * When a quantile lies in the +Inf bucket its estimate is only the highest finite bound: the
 * change is then a bound, not an estimate (the exceedance test stays valid).
 */
function censoredReason(bounds: readonly number[], resolution: { baseline: [number, number]; after: [number, number] }, name: string): string | null {
  const highest = bounds[bounds.length - 2] ?? NaN;
  if (resolution.after[1] === Infinity) return `${name} after the rollout lies above the highest finite bucket bound (${highest}): the change shown is a lower bound`;
  if (resolution.baseline[1] === Infinity) return `${name} of the baseline lies above the highest finite bucket bound (${highest}): the change shown is an upper bound`;
  return null;
}
