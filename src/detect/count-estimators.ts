/**
 * Estimators of the log change of an event rate (retries per request; requests above a latency
 * bound per request) from a count panel, for both designs. Each returns an `Estimator` closure over
 * per-slice precomputed sums, so a bootstrap replicate costs O(slices) or O(slices × instances).
 */
import { BASE, CTRL, TREAT } from './panel.js';
import type { CountPanel } from './panel.js';
import type { Estimator } from './inference.js';

/** Pooled events and exposure per slice for instance-slices in `state`. */
export function sumsByState(panel: CountPanel, state: number): { y: Float64Array; n: Float64Array } {
  const y = new Float64Array(panel.grid.count);
  const n = new Float64Array(panel.grid.count);
  for (const row of panel.instances) {
    for (let t = 0; t < panel.grid.count; t++) {
      if (row.track.state[t] !== state) continue;
      y[t] = (y[t] ?? 0) + (row.y[t] ?? 0);
      n[t] = (n[t] ?? 0) + (row.n[t] ?? 0);
    }
  }
  return { y, n };
}

function total(values: Float64Array, slices: Int32Array): number {
  let s = 0;
  for (let i = 0; i < slices.length; i++) s += values[slices[i] ?? 0] ?? 0;
  return s;
}

/**
 * Log ratio of the after rate to the baseline rate, each pooled over instance-slices
 * (0.5 added to the event counts so a side with no events stays finite).
 */
export function beforeAfterRate(panel: CountPanel): Estimator {
  const base = sumsByState(panel, BASE);
  const treat = sumsByState(panel, TREAT);
  return (baseline, after, out) => {
    const nb = total(base.n, baseline);
    const na = total(treat.n, after);
    out[0] = nb > 0 && na > 0 ? Math.log((total(treat.y, after) + 0.5) / na) - Math.log((total(base.y, baseline) + 0.5) / nb) : NaN;
  };
}

/**
 * Difference-in-differences of log rates against concurrent controls: each instance's counts are
 * first standardised by its own baseline rate, then upgraded and control instance-slices
 * are compared slice by slice with the Mantel-Haenszel rate ratio (Rothman & Greenland, Modern
 * Epidemiology ch. 15), which cancels any load or time-of-day change common to both.
 */
export function differenceInDifferencesRate(panel: CountPanel): Estimator {
  const rows = panel.instances;
  const rates = new Float64Array(rows.length);
  return (baseline, after, out) => {
    if (!instanceBaselineRates(panel, baseline, rates)) {
      out[0] = NaN;
      return;
    }
    let num = 0;
    let den = 0;
    for (let i = 0; i < after.length; i++) {
      const t = after[i] ?? 0;
      let a = 0;
      let eu = 0;
      let c = 0;
      let ec = 0;
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        if (row === undefined) continue;
        const state = row.track.state[t];
        const expected = (row.n[t] ?? 0) * (rates[r] ?? 0);
        if (state === TREAT) {
          a += row.y[t] ?? 0;
          eu += expected;
        } else if (state === CTRL) {
          c += row.y[t] ?? 0;
          ec += expected;
        }
      }
      const e = eu + ec;
      if (e <= 0) continue;
      num += (a * ec) / e;
      den += (c * eu) / e;
    }
    out[0] = num + den > 0 ? Math.log((num + 0.25) / (den + 0.25)) : NaN;
  };
}

/**
 * Fills `rates` with each instance's own baseline rate ((events + 0.5) / exposure, so an instance
 * without baseline events keeps a small positive rate); 0 for an instance without baseline
 * exposure, which then drops out. False when no instance has baseline exposure.
 */
function instanceBaselineRates(panel: CountPanel, baseline: Int32Array, rates: Float64Array): boolean {
  let any = false;
  panel.instances.forEach((row, r) => {
    let y = 0;
    let n = 0;
    for (let i = 0; i < baseline.length; i++) {
      const t = baseline[i] ?? 0;
      if (row.track.state[t] !== BASE) continue;
      y += row.y[t] ?? 0;
      n += row.n[t] ?? 0;
    }
    rates[r] = n > 0 ? (y + 0.5) / n : 0;
    any ||= n > 0;
  });
  return any;
}
