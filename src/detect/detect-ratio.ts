/**
 * Ratio-signal shift detection (retries / requests) for one group: a rate-ratio test whose
 * variance comes from the block bootstrap over time slices, so overdispersion (bursts of retries)
 * and serial correlation widen it as they should, instead of a Poisson variance that assumes
 * independent requests.
 */
import { createRng } from './random.js';
import { BASE, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import { buildResamplePlan } from './resample-plan.js';
import { blockCount } from './inference.js';
import { sumsByState } from './count-estimators.js';
import { perSliceRatios, secondOpinion } from './second-opinion.js';
import { baselineBreakNote, designNotes, rateTest, sideInflation, testName } from './rate-test.js';
import { contractValues, groupSeed } from './statistic.js';
import type { DetectionSettings, GroupDetection, StatisticResult } from './statistic.js';

/** What a ratio signal asks for. */
export interface RatioSignalSpec {
  readonly minRelativeChange: number;
  readonly minAbsoluteChange: number;
}

/** Detects a shift of numerator/denominator in one group; `key` seeds the bootstrap. */
export function detectRatioShift(panel: CountPanel, spec: RatioSignalSpec, settings: DetectionSettings, key: string): GroupDetection {
  const tracks = panel.instances.map((row) => row.track);
  const plan = buildResamplePlan(tracks, { ...settings, rng: createRng(groupSeed(settings.seed, key)) });
  const base = sumsByState(panel, BASE);
  const treat = sumsByState(panel, TREAT);
  const baseSlices = withExposure(base.n, plan.baselineSlices);
  const treatSlices = withExposure(treat.n, allSlices(treat.n.length));
  const yb = total(base.y, baseSlices);
  const nb = total(base.n, baseSlices);
  const ya = total(treat.y, treatSlices);
  const na = total(treat.n, treatSlices);
  const baseline = nb > 0 ? yb / nb : NaN;
  const after = na > 0 ? ya / na : NaN;
  const shell = { name: 'ratio', baseline, after, design: plan.design, qValue: NaN };
  const notes = designNotes(plan, tracks.length);
  const result = (statistic: StatisticResult, onset: CountPanel | null): GroupDetection => ({
    design: plan.design,
    statistics: [statistic],
    onsetPanels: [onset],
    minRelativeChange: spec.minRelativeChange,
    minAbsoluteChange: spec.minAbsoluteChange,
    notes,
  });

  const shortage = ratioShortage(baseSlices.length, treatSlices.length, yb + ya, settings);
  if (shortage !== null) {
    return result({ ...shell, relativeChange: NaN, ci: [NaN, NaN], absoluteChange: NaN, pValue: NaN, test: 'not tested', verdict: 'inconclusive', reason: shortage }, null);
  }
  const blocks = { baseline: blockCount(plan.baselineSlices.length, plan.baselineBlockLength), after: blockCount(plan.afterSlices.length, plan.afterBlockLength) };
  const effect = rateTest(panel, plan, sideInflation(panel, plan), blocks, settings.confidenceLevel);
  const breakNote = baselineBreakNote(panel.grid, effect.baselineBreak);
  if (breakNote !== null) notes.push(breakNote);
  const values = contractValues(plan.design, baseline, after, Math.expm1(effect.estimate));
  return result(
    {
      ...shell,
      ...values,
      ci: [Math.expm1(effect.interval[0]), Math.expm1(effect.interval[1])],
      absoluteChange: baseline * values.relativeChange,
      pValue: effect.pValue,
      testEffect: { estimate: effect.estimate, standardError: effect.standardError, degreesOfFreedom: effect.degreesOfFreedom },
      test: `${testName(plan.design)} (df ${effect.degreesOfFreedom.toFixed(1)}; allows overdispersion and serial correlation)`,
      verdict: 'no_change',
      secondOpinion: secondOpinion(perSliceRatios(base.y, base.n, baseSlices), perSliceRatios(treat.y, treat.n, treatSlices), settings.confidenceLevel),
    },
    panel,
  );
}

function ratioShortage(baseSlices: number, afterSlices: number, events: number, settings: DetectionSettings): string | null {
  if (baseSlices < settings.minSlices) return `only ${baseSlices} baseline slices with requests (need ≥ ${settings.minSlices})`;
  if (afterSlices < settings.minSlices) return `only ${afterSlices} slices with requests after the rollout (need ≥ ${settings.minSlices})`;
  if (events < settings.minRatioEvents) return `only ${events} numerator events on both sides together (need ≥ ${settings.minRatioEvents})`;
  return null;
}

function withExposure(n: Float64Array, slices: Int32Array): Int32Array {
  return slices.filter((t) => (n[t] ?? 0) > 0);
}

function allSlices(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}

function total(values: Float64Array, slices: Int32Array): number {
  let s = 0;
  for (const t of slices) s += values[t] ?? 0;
  return s;
}
