/**
 * Request arrivals of one simulated instance as a homogeneous Poisson process: independent
 * exponential gaps with mean 1/rate, drawn from a seeded generator, so the arrival times of a run
 * are the same for the same seed whatever the machine's speed (a late timer fires the arrivals it
 * missed instead of thinning them).
 */
import type { Rng } from '../../detect/random.js';

/** One exponential inter-arrival gap for `ratePerSecond` arrivals per second, ms (inverse-CDF method). */
export function exponentialGapMs(rng: Rng, ratePerSecond: number): number {
  return (-Math.log(1 - rng.next()) / ratePerSecond) * 1000;
}

/** The arrival times of a Poisson process, one after the other. */
export class PoissonSchedule {
  private lastMs: number;

  /**
   * @param ratePerSecond arrivals per second (> 0)
   * @param startMs the time the process starts, ms; the first arrival is one gap after it
   */
  constructor(
    private readonly rng: Rng,
    private readonly ratePerSecond: number,
    startMs: number,
  ) {
    if (!(ratePerSecond > 0 && Number.isFinite(ratePerSecond))) throw new RangeError(`arrival rate must be > 0 per second, got ${ratePerSecond}`);
    this.lastMs = startMs;
  }

  /** The next arrival time, ms. */
  next(): number {
    this.lastMs += exponentialGapMs(this.rng, this.ratePerSecond);
    return this.lastMs;
  }
}
