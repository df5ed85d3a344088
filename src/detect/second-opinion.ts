/**
 * The second opinion: a Mann-Whitney U test with the Hodges-Lehmann shift and its interval on
 * per-slice values (a quantile or a ratio per time slice), the way Kayenta's canary judge compares
 * a canary with its baseline. It treats slices as exchangeable, so it is reported, not decisive.
 */
import { mannWhitney } from './stats/mann-whitney.js';
import { histogramQuantile } from './stats/histogram-quantile.js';
import type { SecondOpinion } from './statistic.js';

/** Per-slice quantile of the pooled histogram; slices expecting < 1 request beyond the quantile are skipped. */
export function perSliceQuantiles(bounds: readonly number[], bySlice: Float64Array, slices: Int32Array, q: number): number[] {
  const width = bounds.length;
  const values: number[] = [];
  for (let i = 0; i < slices.length; i++) {
    const start = (slices[i] ?? 0) * width;
    const hist = bySlice.subarray(start, start + width);
    let total = 0;
    for (const c of hist) total += c;
    if (total * (1 - q) < 1) continue;
    values.push(histogramQuantile(bounds, hist, q));
  }
  return values;
}

/** Per-slice ratio y/n over slices with exposure. */
export function perSliceRatios(y: Float64Array, n: Float64Array, slices: Int32Array): number[] {
  const values: number[] = [];
  for (let i = 0; i < slices.length; i++) {
    const t = slices[i] ?? 0;
    const exposure = n[t] ?? 0;
    if (exposure > 0) values.push((y[t] ?? 0) / exposure);
  }
  return values;
}

/** Mann-Whitney/Hodges-Lehmann of after vs baseline per-slice values; undefined with < 3 slices a side. */
export function secondOpinion(baseline: number[], after: number[], confidenceLevel: number): SecondOpinion | undefined {
  if (baseline.length < 3 || after.length < 3) return undefined;
  const result = mannWhitney(after, baseline, { confidenceLevel });
  return {
    test: `Mann-Whitney U on per-slice values (${result.method})`,
    pValue: result.pValue,
    estimate: result.estimate,
    ci: result.ci,
    slices: { baseline: baseline.length, after: after.length },
  };
}
