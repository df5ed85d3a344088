import stdlibTCdf from '@stdlib/stats-base-dists-t-cdf';
import stdlibTQuantile from '@stdlib/stats-base-dists-t-quantile';
import stdlibNormalCdf from '@stdlib/stats-base-dists-normal-cdf';

/*
 * Distribution functions used by the tests and intervals of shiftguard. Like R's pt/qt/pnorm/qnorm they
 * return NaN (never throw) for arguments outside their domain, so that one bad group cannot abort a
 * whole analysis; callers check `Number.isNaN`.
 */

/**
 * Student t cumulative distribution function P(T ≤ t) with `df` degrees of freedom (R's `pt`).
 * `df` may be fractional or `Infinity` (standard normal). Returns NaN when df ≤ 0 or an argument is NaN.
 */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalCdf(t);
  return stdlibTCdf(t, df);
}

/**
 * Student t quantile function: the t with P(T ≤ t) = p for `df` degrees of freedom (R's `qt`).
 * Returns −Infinity for p = 0, +Infinity for p = 1, NaN when p ∉ [0, 1], df ≤ 0 or an argument is NaN.
 */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || Number.isNaN(df) || df <= 0 || p < 0 || p > 1) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalQuantile(p);
  return stdlibTQuantile(p, df);
}

/** Standard normal cumulative distribution function Φ(z) (R's `pnorm`); NaN for NaN. */
export function normalCdf(z: number): number {
  return stdlibNormalCdf(z, 0, 1);
}

// Coefficients of Wichura's AS 241 (PPND16) rational approximations, highest degree first: the
// published 20-digit values rounded to the nearest double (shortest round-trip form).
const CENTRAL_NUM = [
  2509.0809287301227, 33430.57558358813, 67265.7709270087, 45921.95393154987,
  13731.69376550946, 1971.5909503065513, 133.14166789178438, 3.3871328727963665,
];
const CENTRAL_DEN = [
  5226.495278852854, 28729.085735721943, 39307.89580009271, 21213.794301586597,
  5394.196021424751, 687.1870074920579, 42.31333070160091, 1,
];
const NEAR_NUM = [
  0.0007745450142783414, 0.022723844989269184, 0.2417807251774506, 1.2704582524523684,
  3.6478483247632045, 5.769497221460691, 4.630337846156546, 1.4234371107496835,
];
const NEAR_DEN = [
  1.0507500716444169e-9, 0.0005475938084995345, 0.015198666563616457, 0.14810397642748008,
  0.6897673349851, 1.6763848301838038, 2.053191626637759, 1,
];
const FAR_NUM = [
  2.0103343992922881e-7, 0.000027115555687434876, 0.0012426609473880784, 0.026532189526576124,
  0.29656057182850487, 1.7848265399172913, 5.463784911164114, 6.657904643501103,
];
const FAR_DEN = [
  2.0442631033899397e-15, 1.421511758316446e-7, 0.000018463183175100548,
  0.0007868691311456133, 0.014875361290850615, 0.1369298809227358, 0.599832206555888, 1,
];

/** Evaluates the polynomial with coefficients `c` (highest degree first) at `r` by Horner's rule. */
function horner(c: readonly number[], r: number): number {
  let acc = 0;
  for (const coefficient of c) acc = acc * r + coefficient;
  return acc;
}

/**
 * Standard normal quantile Φ⁻¹(p) (R's `qnorm`), accurate to about 1 part in 10¹⁶.
 * Method: Wichura (1988), Algorithm AS 241 "The percentage points of the normal distribution",
 * Applied Statistics 37(3) — the algorithm R's `qnorm` uses. Returns ∓Infinity for p = 0 / 1 and NaN
 * outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(CENTRAL_NUM, r)) / horner(CENTRAL_DEN, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = horner(NEAR_NUM, r) / horner(NEAR_DEN, r);
  } else {
    r -= 5;
    value = horner(FAR_NUM, r) / horner(FAR_DEN, r);
  }
  return q < 0 ? -value : value;
}
