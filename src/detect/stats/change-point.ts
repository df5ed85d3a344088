/*
 * Single change point in an event rate (e.g. retries per request) along a series of time slices.
 * Model: y_t ~ Poisson(λ · exposure_t), with λ = λ₁ before the change and λ₂ from slice τ on; the
 * profile log-likelihood ratio against one common λ is computed for every τ from prefix sums in O(m).
 * Method: likelihood-ratio change point (Hinkley 1970, "Inference about the change-point in a sequence
 * of random variables", Biometrika 57(1); Killick & Eckley 2014, "changepoint: an R package for
 * changepoint analysis", JSS 58(3), Poisson cost), tempered quasi-Poisson style by the Pearson
 * dispersion (Wedderburn 1974; McCullagh & Nelder 1989 §4.5) so that bursty, overdispersed telemetry
 * does not look like overwhelming evidence.
 */

/** Options of {@link changePointProfile}. */
export interface ChangePointOptions {
  /** Minimum number of informative slices (exposure > 0) in each segment. Default 3. */
  minSegment?: number;
}

/** Result of {@link changePointProfile}; rates are events per unit of exposure. */
export interface ChangePointProfile {
  /**
   * Per candidate τ (index of the first slice of the new regime): the log-likelihood ratio of the
   * two-rate model against the one-rate model, divided by `dispersion`; −Infinity where τ is not allowed.
   */
  logLik: Float64Array;
  /** The τ maximizing `logLik`, or −1 when no τ is allowed. */
  best: number;
  /** Pearson χ²/df of the two-segment fit at `best` (one-segment fit when best = −1), floored at 1. */
  dispersion: number;
  /** Fitted rate before `best` (the common rate when best = −1; NaN without exposure). */
  rateBefore: number;
  /** Fitted rate from `best` on (the common rate when best = −1; NaN without exposure). */
  rateAfter: number;
}

/** Sufficient statistics of a segment: Σy, Σexposure, Σy²/exposure, informative slices. */
interface Segment {
  events: number;
  exposure: number;
  squares: number;
  slices: number;
}

/** Maximized Poisson log-likelihood of a segment up to terms shared by all models: Y·ln(Y/E). */
function segmentLogLik(events: number, exposure: number): number {
  return events > 0 ? events * Math.log(events / exposure) : 0;
}

/** Pearson χ² of a one-rate fit to a segment: Σ (y − λe)²/(λe) = Σ y²/e / λ − Y with λ = Y/E. */
function segmentPearson(s: Segment): number {
  if (s.events <= 0) return 0;
  return Math.max(0, (s.squares * s.exposure) / s.events - s.events);
}

/**
 * Profiles a single change point in the rate of events `y` per unit `exposure` (same length m, both
 * ≥ 0 and finite). Slices with exposure 0 carry no information: they are skipped (their y is ignored)
 * but keep their index, and τ is only allowed at informative slices with at least `minSegment`
 * informative slices on each side. O(m) time; allocates only the returned `logLik` and a few small records.
 */
export function changePointProfile(
  y: ArrayLike<number>,
  exposure: ArrayLike<number>,
  options: ChangePointOptions = {},
): ChangePointProfile {
  const minSegment = options.minSegment ?? 3;
  validate(y, exposure, minSegment);
  const m = y.length;
  const total = accumulate(y, exposure, m);
  const logLik = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  const baseline = segmentLogLik(total.events, total.exposure);
  const before: Segment = { events: 0, exposure: 0, squares: 0, slices: 0 };
  let best = -1;
  for (let tau = 0; tau < m; tau++) {
    const e = exposure[tau] as number;
    if (e > 0 && before.slices >= minSegment && total.slices - before.slices >= minSegment) {
      const after = total.events - before.events;
      const value =
        segmentLogLik(before.events, before.exposure) + segmentLogLik(after, total.exposure - before.exposure) - baseline;
      logLik[tau] = value;
      if (best < 0 || value > (logLik[best] as number)) best = tau;
    }
    if (e > 0) addSlice(before, y[tau] as number, e);
  }
  return finish(logLik, best, total, accumulate(y, exposure, Math.max(best, 0)));
}

function finish(logLik: Float64Array, best: number, total: Segment, before: Segment): ChangePointProfile {
  if (best < 0) {
    const rate = total.exposure > 0 ? total.events / total.exposure : Number.NaN;
    const dispersion = floorDispersion(segmentPearson(total), total.slices - 1);
    return { logLik, best, dispersion, rateBefore: rate, rateAfter: rate };
  }
  const after: Segment = {
    events: total.events - before.events,
    exposure: total.exposure - before.exposure,
    squares: total.squares - before.squares,
    slices: total.slices - before.slices,
  };
  const dispersion = floorDispersion(segmentPearson(before) + segmentPearson(after), total.slices - 2);
  if (dispersion !== 1) {
    for (let i = 0; i < logLik.length; i++) logLik[i] = (logLik[i] as number) / dispersion;
  }
  return {
    logLik,
    best,
    dispersion,
    rateBefore: before.events / before.exposure,
    rateAfter: after.events / after.exposure,
  };
}

function floorDispersion(pearson: number, degreesOfFreedom: number): number {
  return degreesOfFreedom > 0 ? Math.max(1, pearson / degreesOfFreedom) : 1;
}

function addSlice(segment: Segment, events: number, exposure: number): void {
  segment.events += events;
  segment.exposure += exposure;
  segment.squares += (events * events) / exposure;
  segment.slices += 1;
}

/** Sufficient statistics of the informative slices with index < `end`. */
function accumulate(y: ArrayLike<number>, exposure: ArrayLike<number>, end: number): Segment {
  const total: Segment = { events: 0, exposure: 0, squares: 0, slices: 0 };
  for (let t = 0; t < end; t++) {
    const e = exposure[t] as number;
    if (e > 0) addSlice(total, y[t] as number, e);
  }
  return total;
}

function validate(y: ArrayLike<number>, exposure: ArrayLike<number>, minSegment: number): void {
  if (y.length !== exposure.length) {
    throw new RangeError(`changePointProfile: y has ${y.length} slices but exposure has ${exposure.length}; expected equal lengths`);
  }
  if (!Number.isInteger(minSegment) || minSegment < 1) {
    throw new RangeError(`changePointProfile: minSegment must be a positive integer, got ${minSegment}`);
  }
  for (let t = 0; t < y.length; t++) {
    const e = exposure[t] as number;
    if (!(e >= 0 && e < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`changePointProfile: exposure[${t}] is ${e}; expected a finite number ≥ 0`);
    }
    const events = y[t] as number;
    if (e > 0 && !(events >= 0 && events < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`changePointProfile: y[${t}] is ${events}; expected a finite count ≥ 0`);
    }
  }
}
