/**
 * ln(k!) and the Stirling-series correction used by the exact Poisson (PTRS) and binomial (BTRD)
 * samplers. Small arguments come from an exact table, large ones from the Stirling series.
 */

const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const TABLE_SIZE = 64;

const LOG_FACTORIAL_TABLE: Float64Array = buildLogFactorialTable();

function buildLogFactorialTable(): Float64Array {
  const table = new Float64Array(TABLE_SIZE);
  for (let k = 1; k < TABLE_SIZE; k++) table[k] = (table[k - 1] ?? 0) + Math.log(k);
  return table;
}

/**
 * Stirling correction fc(k) = ln(k!) − [(k + ½)·ln(k + 1) − (k + 1) + ½·ln(2π)], for integer k ≥ 0.
 * Exact (from the table) below 64, else the series 1/(12m) − 1/(360m³) + 1/(1260m⁵) with m = k + 1
 * (Hörmann 1993, "The generation of binomial random variates", eq. for fc).
 */
export function stirlingCorrection(k: number): number {
  if (k < TABLE_SIZE) {
    return (LOG_FACTORIAL_TABLE[k] ?? 0) - ((k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LN_TWO_PI);
  }
  const r = 1 / (k + 1);
  const rr = r * r;
  return (1 / 12 - (1 / 360 - rr / 1260) * rr) * r;
}

/** ln(k!) for integer k ≥ 0 (exact table below 64, Stirling series with three terms above). */
export function logFactorial(k: number): number {
  if (k < TABLE_SIZE) return LOG_FACTORIAL_TABLE[k] ?? 0;
  return (k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LN_TWO_PI + stirlingCorrection(k);
}
