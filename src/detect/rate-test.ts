/**
 * The rate test shared by latency (share of requests above a bucket bound) and ratio signals
 * (retries per request): the design-specific estimator with its model variance, the drift
 * inflation of bootstrap variances, and how the test and design are described in the report.
 */
import { BASE, CTRL, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import type { ResamplePlan } from './resample-plan.js';
import { inflatedLogEffect, logEffectWithDf, runBootstrap } from './inference.js';
import type { LogEffect, SideInflation } from './inference.js';
import { differenceInDifferencesVariance, modelVariance } from './model-variance.js';
import { findBaselineBreak } from './baseline-stability.js';
import type { BaselineBreak } from './baseline-stability.js';
import { fitSerialCorrelation, varianceInflation } from './serial-correlation.js';
import { beforeAfterRate, differenceInDifferencesRate } from './count-estimators.js';

/**
 * The rate test of a count panel: before-after uses the pooled model-based variance (precise, so
 * the test keeps its power under slow drifts); difference-in-differences, whose Mantel-Haenszel
 * estimator has no closed-form variance under drift, uses the inflated block bootstrap.
 */
export function rateTest(
  counts: CountPanel,
  plan: ResamplePlan,
  inflation: SideInflation,
  blocks: { baseline: number; after: number },
  confidenceLevel: number,
): LogEffect & { baselineBreak?: BaselineBreak } {
  if (plan.design === 'difference-in-differences') {
    const point = new Float64Array(1);
    differenceInDifferencesRate(counts)(plan.baselineSlices, plan.afterSlices, point);
    const model = differenceInDifferencesVariance(counts, rowsInState(counts, TREAT, plan.afterSlices), rowsInState(counts, CTRL, plan.afterSlices), plan.afterSlices);
    if (model === null) return inflatedLogEffect(runBootstrap(plan, 1, differenceInDifferencesRate(counts)), 0, inflation, blocks, confidenceLevel);
    return logEffectWithDf(point[0] ?? NaN, model.variance, model.degreesOfFreedom, confidenceLevel);
  }
  const point = new Float64Array(1);
  beforeAfterRate(counts)(plan.baselineSlices, plan.afterSlices, point);
  const shift = findBaselineBreak(counts);
  const model = modelVariance(counts, BASE, TREAT, shift === null ? {} : { baselineBreak: shift.slice });
  if (model === null) return logEffectWithDf(NaN, NaN, NaN, confidenceLevel);
  const effect = logEffectWithDf(point[0] ?? NaN, model.baseline + model.after, model.degreesOfFreedom, confidenceLevel);
  return shift === null ? effect : { ...effect, baselineBreak: shift };
}

/** A note for the report when a test found a level shift inside the baseline window. */
export function baselineBreakNote(grid: CountPanel['grid'], shift: BaselineBreak | undefined): string | null {
  if (shift === undefined) return null;
  const at = new Date(grid.startMs + shift.slice * grid.sliceMs).toISOString();
  return `baseline not stable: the rate changed ×${shift.rateRatio.toFixed(2)} at ${at}, before the upgrade; the variance was fitted around that level shift`;
}

/** Variance inflation of each side for slow per-instance drifts, fitted on the count panel. */
export function sideInflation(counts: CountPanel, plan: ResamplePlan): SideInflation {
  const fit = fitSerialCorrelation(counts, plan.design === 'difference-in-differences' ? [BASE, TREAT, CTRL] : [BASE, TREAT]);
  return {
    baseline: varianceInflation(fit, plan.baselineSlices.length, plan.baselineBlockLength),
    after: varianceInflation(fit, plan.afterSlices.length, plan.afterBlockLength),
  };
}

/** What the rate test of a design is, for the report's `test` field. */
export function testName(design: ResamplePlan['design']): string {
  return design === 'difference-in-differences'
    ? 'Mantel-Haenszel difference-in-differences rate ratio, t-test with per-arm AR(1)-drift model variance'
    : 'rate ratio t-test with pooled AR(1)-drift + common-shock + sampling-noise model variance';
}

/** Human-readable facts about the design used. */
export function designNotes(plan: ResamplePlan, instances: number): string[] {
  const base = `${plan.baselineSlices.length} baseline and ${plan.afterSlices.length} after slices from ${instances} instances, blocks of ${plan.baselineBlockLength}/${plan.afterBlockLength} slices`;
  if (plan.design === 'difference-in-differences') {
    return [`compared with not-yet-upgraded instances over the same time (difference-in-differences); ${base}`];
  }
  return [`before-after comparison (no concurrent controls for long enough); ${base}`];
}

/** Rows of a count panel that are in `state` in at least one of `slices`. */
function rowsInState(panel: CountPanel, state: number, slices: Int32Array): Set<number> {
  const rows = new Set<number>();
  panel.instances.forEach((row, r) => {
    if (slices.some((t) => row.track.state[t] === state)) rows.add(r);
  });
  return rows;
}
