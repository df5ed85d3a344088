/**
 * Estimators of the log change of latency quantiles from histogram panels, for both designs.
 * Quantiles come from pooled bucket counts with the log-survival interpolation of
 * `histogramQuantile`, so a wide bucket does not turn a small shift into a large one.
 */
import { BASE, CTRL, TREAT } from './panel.js';
import type { HistogramPanel } from './panel.js';
import type { Estimator } from './inference.js';
import { histogramQuantile } from './stats/histogram-quantile.js';

/** Per-slice pooled bucket counts (slice-major) of the rows and state selected. */
export function pooledBySlice(panel: HistogramPanel, state: number, rows?: ReadonlySet<number>): Float64Array {
  const width = panel.bounds.length;
  const out = new Float64Array(panel.grid.count * width);
  panel.instances.forEach((row, r) => {
    if (rows !== undefined && !rows.has(r)) return;
    for (let t = 0; t < panel.grid.count; t++) {
      if (row.track.state[t] !== state) continue;
      for (let k = 0; k < width; k++) out[t * width + k] = (out[t * width + k] ?? 0) + (row.counts[t * width + k] ?? 0);
    }
  });
  return out;
}

/** Sums the per-slice histograms of `slices` into `into` (zeroed first). */
export function accumulate(bySlice: Float64Array, width: number, slices: Int32Array, into: Float64Array): Float64Array {
  into.fill(0);
  for (let i = 0; i < slices.length; i++) {
    const base = (slices[i] ?? 0) * width;
    for (let k = 0; k < width; k++) into[k] = (into[k] ?? 0) + (bySlice[base + k] ?? 0);
  }
  return into;
}

function logQuantileRatio(bounds: readonly number[], after: Float64Array, before: Float64Array, q: number): number {
  const qa = histogramQuantile(bounds, after, q);
  const qb = histogramQuantile(bounds, before, q);
  return qa > 0 && qb > 0 ? Math.log(qa / qb) : NaN;
}

/** log(Q_after / Q_baseline) for each quantile, pooled over instance-slices. */
export function beforeAfterQuantiles(panel: HistogramPanel, quantiles: readonly number[]): Estimator {
  const width = panel.bounds.length;
  const base = pooledBySlice(panel, BASE);
  const treat = pooledBySlice(panel, TREAT);
  const hb = new Float64Array(width);
  const ha = new Float64Array(width);
  return (baseline, after, out) => {
    accumulate(base, width, baseline, hb);
    accumulate(treat, width, after, ha);
    quantiles.forEach((q, j) => (out[j] = logQuantileRatio(panel.bounds, ha, hb, q)));
  };
}

/**
 * Difference-in-differences of log quantiles: the upgraded instances' change (after vs their own
 * baseline) minus the control instances' change over the same slices.
 */
export function differenceInDifferencesQuantiles(panel: HistogramPanel, quantiles: readonly number[], afterSlices: Int32Array): Estimator {
  const width = panel.bounds.length;
  const treatedRows = rowsWithState(panel, TREAT, afterSlices);
  const controlRows = rowsWithState(panel, CTRL, afterSlices);
  const baseTreated = pooledBySlice(panel, BASE, treatedRows);
  const baseControl = pooledBySlice(panel, BASE, controlRows);
  const treat = pooledBySlice(panel, TREAT);
  const ctrl = pooledBySlice(panel, CTRL);
  const h = [new Float64Array(width), new Float64Array(width), new Float64Array(width), new Float64Array(width)] as const;
  return (baseline, after, out) => {
    accumulate(baseTreated, width, baseline, h[0]);
    accumulate(baseControl, width, baseline, h[1]);
    accumulate(treat, width, after, h[2]);
    accumulate(ctrl, width, after, h[3]);
    quantiles.forEach((q, j) => {
      out[j] = logQuantileRatio(panel.bounds, h[2], h[0], q) - logQuantileRatio(panel.bounds, h[3], h[1], q);
    });
  };
}

/** Indices of rows that are in `state` in at least one of `slices`. */
export function rowsWithState(panel: HistogramPanel, state: number, slices: Int32Array): Set<number> {
  const rows = new Set<number>();
  panel.instances.forEach((row, r) => {
    for (let i = 0; i < slices.length; i++) {
      if (row.track.state[slices[i] ?? 0] === state) {
        rows.add(r);
        return;
      }
    }
  });
  return rows;
}
