/**
 * Result types of detection (plain data) and the settings it runs with.
 */
import type { CountPanel } from './panel.js';
import type { Design } from './resample-plan.js';

export type Verdict = 'regression' | 'improvement' | 'no_change' | 'inconclusive';

/** Kayenta-style Mann-Whitney / Hodges-Lehmann comparison of per-slice values, reported beside the main test. */
export interface SecondOpinion {
  readonly test: string;
  readonly pValue: number;
  /** Hodges-Lehmann shift after − baseline, in the statistic's unit. */
  readonly estimate: number;
  readonly ci: readonly [number, number];
  readonly slices: { readonly baseline: number; readonly after: number };
}

/** One statistic of one group: a latency quantile (`p99`) or a ratio (`ratio`). */
export interface StatisticResult {
  readonly name: string;
  readonly baseline: number;
  /**
   * The after value. Under difference-in-differences it is the baseline moved by the net effect
   * (what the upgraded instances would show without the change shared with the controls), so that
   * relativeChange = (after − baseline) / baseline always holds; the raw value is `observedAfter`.
   */
  readonly after: number;
  /** Under difference-in-differences: the after value as observed on the upgraded instances. */
  readonly observedAfter?: number;
  /** (after − baseline) / baseline. */
  readonly relativeChange: number;
  readonly ci: readonly [number, number];
  /** baseline × relativeChange, in the metric's unit. */
  readonly absoluteChange: number;
  readonly pValue: number;
  /** Benjamini-Hochberg adjusted p-value over all distinct tests of the analysis. */
  qValue: number;
  /**
   * Identifies the underlying test within its group: quantiles whose tail share is tested at the
   * same bucket bound share one test, and count once in the multiple-comparison adjustment.
   */
  readonly testKey?: string;
  /**
   * The tested log-scale effect (log rate ratio of the tail share or of the ratio) with its
   * standard error and degrees of freedom: what sequential monitoring turns into an e-value.
   * Internal; not part of the report.
   */
  readonly testEffect?: TestEffect;
  readonly test: string;
  readonly design: Design;
  verdict: Verdict;
  /** Why the verdict is inconclusive, or why a significant change is no regression. */
  reason?: string;
  readonly secondOpinion?: SecondOpinion;
  /** Latency: the tested fraction of requests above a bucket bound. */
  readonly exceedance?: { readonly le: number; readonly baselineFraction: number; readonly afterFraction: number };
  /** Latency: the bucket each quantile estimate lies in (what the histogram can resolve). */
  readonly resolution?: { readonly baseline: readonly [number, number]; readonly after: readonly [number, number] };
}

/** A tested log-scale effect and its uncertainty (see {@link StatisticResult.testEffect}). */
export interface TestEffect {
  readonly estimate: number;
  readonly standardError: number;
  readonly degreesOfFreedom: number;
}

/** Everything detection found for one group, before multiple-comparison adjustment. */
export interface GroupDetection {
  readonly design: Design;
  readonly statistics: StatisticResult[];
  /** Per statistic: the per-instance event/exposure series whose change point dates the shift. */
  readonly onsetPanels: (CountPanel | null)[];
  readonly minRelativeChange: number;
  readonly minAbsoluteChange: number;
  /** Facts worth showing (e.g. which design and how many controls). */
  readonly notes: string[];
}

/** Knobs of detection, from configuration. */
export interface DetectionSettings {
  /** False-discovery rate over all statistics of one analysis. */
  readonly alpha: number;
  /** Level of the reported intervals. */
  readonly confidenceLevel: number;
  readonly resamples: number;
  readonly seed: number;
  readonly minSlices: number;
  readonly minTailEvents: number;
  readonly minRatioEvents: number;
  /** Smallest control/treated share for difference-in-differences. */
  readonly minControlShare: number;
}

/** Report name of a quantile: 0.99 → "p99", 0.999 → "p99.9". */
export function quantileName(q: number): string {
  return `p${Number((q * 100).toFixed(6))}`;
}

/** The quantile a report name stands for: "p99" → 0.99, "p99.9" → 0.999; null for other statistics ("ratio"). */
export function quantileOfName(name: string): number | null {
  return /^p\d+(\.\d+)?$/.test(name) ? Number(name.slice(1)) / 100 : null;
}

/** A stable 32-bit seed for one group, so results do not depend on the order groups are analysed. */
export function groupSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * The contract's baseline/after/relativeChange triple for a design: before-after reports what was
 * observed; difference-in-differences reports the net effect and keeps the observed after value.
 */
export function contractValues(
  design: Design,
  baseline: number,
  observedAfter: number,
  netRelativeChange: number,
): { after: number; relativeChange: number; observedAfter?: number } {
  if (design === 'difference-in-differences') {
    return { after: baseline * (1 + netRelativeChange), relativeChange: netRelativeChange, observedAfter };
  }
  return { after: observedAfter, relativeChange: baseline > 0 ? observedAfter / baseline - 1 : netRelativeChange };
}
