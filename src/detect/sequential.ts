/**
 * Anytime-valid verdicts for monitoring: the service looks at every new slice, and a fixed-horizon
 * test looked at that often would raise false alarms far above `alpha`. Each tested log effect
 * becomes an e-value of the normal-mixture sequential probability ratio test (Robbins 1970; the
 * mSPRT of Johari, Pekelis & Walsh 2017), which under "no change" has expectation 1 at every look
 * and, by Ville's inequality, exceeds 1/a at ANY look with probability at most a. With a
 * t-distributed statistic (few independent blocks) the t value is first mapped to the normal
 * value of the same tail probability, so the Gaussian mixture applies (asymptotic confidence
 * sequences; Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas 2024).
 *
 * Multiplicity: over the m distinct tests of one upgrade, a test is significant when its e-value
 * reaches m/alpha (Bonferroni on e-values, valid for any dependence and any number of looks), so
 * the chance that monitoring ever raises a false regression in an upgrade stays at most alpha.
 *
 * The mixing distribution is N(0, tau²) on the log effect; tau = 0.4 puts the boundary at its
 * tightest for effects around ×1.2–×2 at the information a 1 h window reaches (see the A/A and
 * power figures in test/validation/sequential.test.ts).
 */
import { normalQuantile, tCdf } from './stats/student-t.js';
import type { GroupDetection, StatisticResult, TestEffect, Verdict } from './statistic.js';
import { groupVerdict, judgeStatistic } from './verdicts.js';

/** Prior scale of the log effect in the normal mixture. */
export const MIXTURE_TAU = 0.4;

/** The normal value with the same two-sided tail probability as t with `df` degrees of freedom (signed). */
export function gaussianized(t: number, df: number): number {
  if (!Number.isFinite(df) || df > 1e6) return t;
  const tail = tCdf(-Math.abs(t), df);
  if (tail <= 0) return Math.sign(t) * Infinity;
  return -Math.sign(t) * normalQuantile(tail);
}

/**
 * Natural log of the mixture e-value of one look: the likelihood ratio of N(theta, se²) against
 * N(0, se²) at the estimate, averaged over theta ~ N(0, tau²):
 * log E = −½·log(1 + tau²/se²) + z²/2 · (tau²/se²)/(1 + tau²/se²).
 */
export function logMixtureEValue(effect: TestEffect, tau = MIXTURE_TAU): number {
  const { estimate, standardError: se, degreesOfFreedom: df } = effect;
  if (!Number.isFinite(estimate) || !(se > 0)) return NaN;
  const z = gaussianized(estimate / se, df);
  const r = (tau * tau) / (se * se);
  return -0.5 * Math.log1p(r) + ((z * z) / 2) * (r / (1 + r));
}

/**
 * Half-width of the (1 − level) confidence sequence of the log effect: the set of theta whose
 * shifted mixture e-value stays below 1/level, in units of the estimate's scale.
 */
export function confidenceSequenceRadius(standardError: number, level: number, tau = MIXTURE_TAU): number {
  if (!(standardError > 0)) return standardError === 0 ? 0 : NaN;
  const r = (tau * tau) / (standardError * standardError);
  return standardError * Math.sqrt(((1 + r) / r) * (2 * Math.log(1 / level) + Math.log1p(r)));
}

/** The fixed-horizon half-width the same interval had (t quantile × se), to widen other intervals alike. */
function widening(effect: TestEffect, fixedCi: readonly [number, number], level: number): number {
  const cs = confidenceSequenceRadius(effect.standardError, level);
  const fixedHalf = (Math.log1p(fixedCi[1]) - Math.log1p(fixedCi[0])) / 2;
  if (!Number.isFinite(fixedHalf) || fixedHalf <= 0 || !Number.isFinite(cs)) return NaN;
  return cs / (gaussianHalf(level) * effect.standardError);
}

function gaussianHalf(level: number): number {
  return normalQuantile(1 - level / 2);
}

/**
 * Sets anytime-valid p-values, Bonferroni-adjusted q-values, widened intervals and verdicts on
 * every statistic (in place) and returns each group's verdict. `pValue` becomes min(1, 1/E),
 * `qValue` min(1, m/E); verdicts then follow the same practical thresholds as the fixed-horizon
 * analysis. `confidenceLevel` is that of the reported intervals (they become confidence sequences).
 */
export function assignSequentialVerdicts(groups: readonly GroupDetection[], alpha: number, confidenceLevel: number): Verdict[] {
  // m counts every test the design defines, testable yet or not, so it does not grow with the data.
  const tests = new Set<string>();
  groups.forEach((group, g) => group.statistics.forEach((s, j) => tests.add(`${g}|${s.testKey ?? j}`)));
  const m = Math.max(1, tests.size);
  return groups.map((group) => {
    group.statistics.forEach((s, j) => {
      if (s.verdict === 'inconclusive') return;
      const monitored = sequentialStatistic(s, m, 1 - confidenceLevel);
      judgeStatistic(monitored, alpha, group.minRelativeChange, group.minAbsoluteChange);
      group.statistics[j] = monitored;
    });
    return groupVerdict(group.statistics);
  });
}

/** The statistic with its anytime-valid p-value, Bonferroni q-value and confidence-sequence interval. */
function sequentialStatistic(s: StatisticResult, m: number, level: number): StatisticResult {
  const effect = s.testEffect;
  const logE = effect === undefined ? NaN : logMixtureEValue(effect);
  const factor = effect === undefined ? NaN : widening(effect, s.ci, level);
  return {
    ...s,
    pValue: Number.isFinite(logE) ? Math.min(1, Math.exp(-logE)) : NaN,
    qValue: Number.isFinite(logE) ? Math.min(1, m * Math.exp(-logE)) : NaN,
    ci: Number.isFinite(factor) ? widen(s.ci, s.relativeChange, factor) : s.ci,
    test: `${s.test}; monitored with a normal-mixture sequential test (anytime-valid e-value ${formatE(logE)}, tau ${MIXTURE_TAU}, Bonferroni over ${m} tests)`,
  };
}

/** Widens a relative-change interval by `factor` around the estimate on the log scale. */
function widen(ci: readonly [number, number], relativeChange: number, factor: number): [number, number] {
  const centre = Math.log1p(relativeChange);
  const lo = centre - (centre - Math.log1p(ci[0])) * factor;
  const hi = centre + (Math.log1p(ci[1]) - centre) * factor;
  return [Math.expm1(lo), Math.expm1(hi)];
}

function formatE(logE: number): string {
  if (!Number.isFinite(logE)) return 'n/a';
  return logE > Math.log(1e6) ? `e^${logE.toFixed(1)}` : Math.exp(logE).toPrecision(3);
}
