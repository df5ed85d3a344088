/**
 * Baseline stability: a level shift inside the baseline window (an incident, another deploy, a
 * shift that began before the upgrade) is not a slow drift, and read as one it inflates the fitted
 * drift variance until nothing is significant. The baseline slices of all instances, each
 * standardised by its own baseline rate, are pooled (independent drifts average out) and searched
 * for one change point; a step far stronger than the drift model allows splits the baseline into
 * two levels for the variance fit.
 */
import { BASE } from './panel.js';
import type { CountPanel } from './panel.js';
import { stateTotals } from './panel.js';
import { changePointProfile } from './stats/change-point.js';
import { driftTempering, fitSerialCorrelation } from './serial-correlation.js';

/** A level shift in the baseline: the first slice of the new level and its tempered log-likelihood ratio. */
export interface BaselineBreak {
  readonly slice: number;
  readonly logLik: number;
  readonly rateRatio: number;
}

/** Tempered log-likelihood ratio a step needs to count as a break (a likelihood ratio of e^12). */
const BREAK_LOG_LIK = 12;

/** Typical segment length over which drift tempering is judged, slices. */
const SEGMENT_SLICES = 20;

/** The baseline's level shift, or null when the baseline is stable. */
export function findBaselineBreak(panel: CountPanel): BaselineBreak | null {
  const y = new Float64Array(panel.grid.count);
  const e = new Float64Array(panel.grid.count);
  for (const row of panel.instances) {
    const { y: yb, n: nb } = stateTotals(row, BASE);
    if (!(nb > 0) || !(yb > 0)) continue;
    const rate = yb / nb;
    for (let t = 0; t < panel.grid.count; t++) {
      if (row.track.state[t] !== BASE) continue;
      y[t] = (y[t] ?? 0) + (row.y[t] ?? 0);
      e[t] = (e[t] ?? 0) + (row.n[t] ?? 0) * rate;
    }
  }
  const profile = changePointProfile(y, e, { minSegment: 5 });
  if (profile.best < 0) return null;
  const tempering = driftTempering(fitSerialCorrelation(panel, [BASE]), SEGMENT_SLICES);
  const logLik = (profile.logLik[profile.best] ?? -Infinity) / tempering;
  if (!(logLik > BREAK_LOG_LIK)) return null;
  return { slice: profile.best, logLik, rateRatio: profile.rateAfter / profile.rateBefore };
}
