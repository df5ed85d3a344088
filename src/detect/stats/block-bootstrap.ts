import type { Rng } from '../random.js';

/*
 * Moving-block bootstrap for time series of per-slice statistics: resampling whole blocks of consecutive
 * slices keeps the short-range autocorrelation of telemetry (bursts, diurnal drift within a window) that
 * an i.i.d. bootstrap would destroy, so intervals are not too narrow.
 * Method: Künsch (1989), "The jackknife and the bootstrap for general stationary observations",
 * Annals of Statistics 17(3); Liu & Singh (1992) for the moving-block variant used here.
 */

/**
 * Block length (in slices) for a series of `m` slices: round(1.5 · m^(1/3)), clamped to [1, m].
 * The m^(1/3) rate is the MSE-optimal order for block-bootstrap variance and distribution estimates
 * (Hall, Horowitz & Jing 1995, Biometrika 82(3)); the constant 1.5 is a conventional choice for moderately
 * autocorrelated series (m = 60 → 6, m = 360 → 11).
 */
export function blockLength(m: number): number {
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`blockLength: series length must be a positive integer, got ${m}`);
  }
  return Math.min(m, Math.max(1, Math.round(1.5 * Math.cbrt(m))));
}

/**
 * Fills `out` (length m; allocated when omitted) with the slice indices of one moving-block bootstrap
 * resample: blocks of `blockLength` consecutive indices starting at uniform random positions in
 * [0, m − blockLength], concatenated and cut to length m. Returns `out`. Deterministic for a given `rng`
 * state; pass the same `out` across resamples to avoid allocation.
 */
export function resampleIndices(rng: Rng, m: number, blockLength: number, out?: Int32Array): Int32Array {
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`resampleIndices: series length must be a positive integer, got ${m}`);
  }
  if (!Number.isInteger(blockLength) || blockLength < 1 || blockLength > m) {
    throw new RangeError(`resampleIndices: blockLength must be an integer in [1, ${m}], got ${blockLength}`);
  }
  const target = out ?? new Int32Array(m);
  if (target.length !== m) {
    throw new RangeError(`resampleIndices: out has length ${target.length}; expected ${m}`);
  }
  const starts = m - blockLength + 1;
  let position = 0;
  while (position < m) {
    const start = rng.int(starts);
    const end = Math.min(blockLength, m - position);
    for (let k = 0; k < end; k++) target[position + k] = start + k;
    position += end;
  }
  return target;
}
