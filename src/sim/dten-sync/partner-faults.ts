/**
 * The fault model of the simulated partner API that dten-sync calls: a first attempt fails with
 * `baseFailure`; a retry meets the same transient fault with `soonFailure` when it comes less than
 * `recoveryMs` after the previous failure was answered, with a chance falling linearly to
 * `baseFailure` at 2 × `recoveryMs`. That is the shape `AttemptModel.retryFailureProbability` in
 * src/tune/retry-model.ts assumes, so the tuner's predictions can be checked against this server.
 *
 * Pure (no I/O, clock passed in): the HTTP server in partner-api.ts drives it. Per-request state (when
 * its last failure was answered) is forgotten `memoryMs` after it was last touched, so memory stays
 * bounded however many requests never come back.
 */
import type { Rng } from '../../detect/random.js';
import { lognormal } from '../distributions.js';

/** The knobs of the fault model. */
export interface PartnerFaults {
  /** Failure probability of a first attempt (and of a retry after a long enough sleep), in [0, 1]. */
  readonly baseFailure: number;
  /** Failure probability of a retry sent less than `recoveryMs` after the previous failure, in [0, 1]. */
  readonly soonFailure: number;
  /** How long a transient fault lasts, ms (> 0). */
  readonly recoveryMs: number;
  /** Median latency of one attempt, ms (≥ 0). */
  readonly latencyMs: number;
  /** Log-scale spread of the attempt latency (lognormal sigma, ≥ 0). */
  readonly latencySigma: number;
}

/** The partner's behaviour unless told otherwise. */
export const DEFAULT_PARTNER_FAULTS: PartnerFaults = Object.freeze({
  baseFailure: 0.08,
  soonFailure: 0.7,
  recoveryMs: 250,
  latencyMs: 15,
  latencySigma: 0.4,
});

/** How long per-request state is kept after it was last touched, ms. */
export const REQUEST_MEMORY_MS = 60_000;

/** What the model decided for one attempt. */
export interface AttemptPlan {
  readonly fail: boolean;
  /** The failure probability the attempt was drawn with. */
  readonly failureProbability: number;
  /** How long the attempt takes before it is answered, ms. */
  readonly latencyMs: number;
}

/**
 * Failure probability of a retry sent `sleepMs` after the previous failure was answered:
 * `soonFailure` below `recoveryMs`, linear down to `baseFailure` at 2 × `recoveryMs`, flat after.
 */
export function retryFailureProbability(sleepMs: number, faults: PartnerFaults): number {
  const { baseFailure, soonFailure, recoveryMs } = faults;
  if (sleepMs < recoveryMs) return soonFailure;
  if (sleepMs >= 2 * recoveryMs) return baseFailure;
  return soonFailure + ((baseFailure - soonFailure) * (sleepMs - recoveryMs)) / recoveryMs;
}

/** `base` with `partial` applied; throws a RangeError naming the first knob out of range. */
export function mergeFaults(base: PartnerFaults, partial: Partial<PartnerFaults>): PartnerFaults {
  const merged: PartnerFaults = { ...base, ...definedOnly(partial) };
  for (const key of ['baseFailure', 'soonFailure'] as const) {
    if (!(merged[key] >= 0 && merged[key] <= 1)) throw new RangeError(`partner ${key} must be a probability in [0, 1], got ${merged[key]}`);
  }
  if (!(merged.recoveryMs > 0 && Number.isFinite(merged.recoveryMs))) throw new RangeError(`partner recoveryMs must be > 0, got ${merged.recoveryMs}`);
  for (const key of ['latencyMs', 'latencySigma'] as const) {
    if (!(merged[key] >= 0 && Number.isFinite(merged[key]))) throw new RangeError(`partner ${key} must be ≥ 0, got ${merged[key]}`);
  }
  return Object.freeze(merged);
}

function definedOnly(partial: Partial<PartnerFaults>): Partial<PartnerFaults> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
}

/** The fault model with its per-request memory; every draw comes from the one seeded generator. */
export class PartnerFaultModel {
  private current: PartnerFaults;
  /** Per request id: when its latest failed attempt was answered, ms; Map order is least recently touched first. */
  private readonly lastFailureAnsweredMs = new Map<string, number>();

  constructor(
    faults: Partial<PartnerFaults>,
    private readonly rng: Rng,
    private readonly memoryMs: number = REQUEST_MEMORY_MS,
  ) {
    this.current = mergeFaults(DEFAULT_PARTNER_FAULTS, faults);
  }

  /** The knobs in force. */
  faults(): PartnerFaults {
    return this.current;
  }

  /** Changes some knobs; attempts that arrive afterwards use them. */
  setFaults(partial: Partial<PartnerFaults>): void {
    this.current = mergeFaults(this.current, partial);
  }

  /**
   * Decides attempt `attempt` (0-based) of request `requestId` arriving at `nowMs`: whether it fails
   * and how long it takes. A retry of a request the model does not remember (no id, or forgotten)
   * counts as long after its fault, i.e. fails with `baseFailure`.
   */
  begin(requestId: string | undefined, attempt: number, nowMs: number): AttemptPlan {
    this.forgetOlderThan(nowMs - this.memoryMs);
    const previous = attempt > 0 && requestId !== undefined ? this.lastFailureAnsweredMs.get(requestId) : undefined;
    const failureProbability = previous === undefined ? this.current.baseFailure : retryFailureProbability(nowMs - previous, this.current);
    const fail = this.rng.next() < failureProbability;
    const latencyMs = this.current.latencyMs === 0 ? 0 : lognormal(this.rng, Math.log(this.current.latencyMs), this.current.latencySigma);
    return { fail, failureProbability, latencyMs };
  }

  /** Records that an attempt of `requestId` was answered at `nowMs`; a success ends the request's state. */
  answered(requestId: string | undefined, failed: boolean, nowMs: number): void {
    if (requestId === undefined) return;
    this.lastFailureAnsweredMs.delete(requestId);
    if (failed) this.lastFailureAnsweredMs.set(requestId, nowMs);
    this.forgetOlderThan(nowMs - this.memoryMs);
  }

  /** Number of requests whose last failure is remembered. */
  trackedRequests(): number {
    return this.lastFailureAnsweredMs.size;
  }

  private forgetOlderThan(cutoffMs: number): void {
    for (const [id, atMs] of this.lastFailureAnsweredMs) {
      if (atMs >= cutoffMs) return;
      this.lastFailureAnsweredMs.delete(id);
    }
  }
}
