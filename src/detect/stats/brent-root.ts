/** Result of {@link brentRoot}. */
export interface BrentRootResult {
  /** The root estimate. */
  root: number;
  /** Iterations used; −1 when `maxIterations` ran out before convergence. */
  iterations: number;
  /** Width of the final bracket |c − b|, R's `estim.prec`. */
  precision: number;
}

/**
 * Finds a zero of `f` in [lower, upper] given f(lower) and f(upper) of opposite signs (or zero).
 *
 * Method: Brent's zeroin (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4, as
 * published by Forsythe, Malcolm & Moler 1977) — bisection combined with secant and inverse quadratic
 * interpolation. It performs the same steps as R's `uniroot` (which calls this algorithm with
 * `tol = .Machine$double.eps^0.25` unless told otherwise), so results agree with R to the last bits when
 * `f` agrees, which matters for discontinuous `f` such as the Wilcoxon statistic.
 * The answer is within about 4·ε·|root| + `tolerance` of a sign change of `f`.
 */
export function brentRoot(
  f: (x: number) => number,
  lower: number,
  upper: number,
  fLower: number,
  fUpper: number,
  tolerance: number,
  maxIterations = 1000,
): BrentRootResult {
  if (fLower === 0) return { root: lower, iterations: 0, precision: 0 };
  if (fUpper === 0) return { root: upper, iterations: 0, precision: 0 };
  // b: best estimate; a: previous estimate; c: the end of the bracket opposite to b.
  let a = lower;
  let fa = fLower;
  let b = upper;
  let fb = fUpper;
  let c = a;
  let fc = fa;
  for (let iteration = 1; iteration <= maxIterations + 1; iteration++) {
    const previousStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      fa = fb;
      b = c;
      fb = fc;
      c = a;
      fc = fa;
    }
    const activeTolerance = 2 * Number.EPSILON * Math.abs(b) + tolerance / 2;
    let step = (c - b) / 2;
    if (Math.abs(step) <= activeTolerance || fb === 0) {
      return { root: b, iterations: iteration - 1, precision: Math.abs(c - b) };
    }
    if (Math.abs(previousStep) >= activeTolerance && Math.abs(fa) > Math.abs(fb)) {
      const interpolated = interpolationStep(a, b, c, fa, fb, fc, previousStep, activeTolerance);
      if (interpolated !== undefined) step = interpolated;
    }
    if (Math.abs(step) < activeTolerance) step = step > 0 ? activeTolerance : -activeTolerance;
    a = b;
    fa = fb;
    b += step;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return { root: b, iterations: -1, precision: Math.abs(c - b) };
}

/**
 * The secant (two distinct points) or inverse quadratic interpolation step from b, or undefined when it
 * would leave [b, c] or shrink the bracket too slowly, in which case the caller bisects.
 */
function interpolationStep(
  a: number,
  b: number,
  c: number,
  fa: number,
  fb: number,
  fc: number,
  previousStep: number,
  activeTolerance: number,
): number | undefined {
  const cb = c - b;
  let p: number;
  let q: number;
  if (a === c) {
    const t1 = fb / fa;
    p = cb * t1;
    q = 1 - t1;
  } else {
    const qa = fa / fc;
    const t1 = fb / fc;
    const t2 = fb / fa;
    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
    q = (qa - 1) * (t1 - 1) * (t2 - 1);
  }
  if (p > 0) q = -q;
  else p = -p;
  if (p < 0.75 * cb * q - Math.abs(activeTolerance * q) / 2 && p < Math.abs((previousStep * q) / 2)) {
    return p / q;
  }
  return undefined;
}
