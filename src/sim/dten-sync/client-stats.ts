/**
 * What the dten-sync client has done, for its progress lines and for tests that compare strategies:
 * per strategy (grouped by its one-line description) the logical requests, retries, the sum of
 * squared retries (so a caller can put a standard error on retries per request) and requests that
 * failed every attempt; per instance the version and strategy of its latest request; and, per
 * progress window, a uniform sample of end-to-end durations (reservoir sampling, Vitter's
 * Algorithm R, bounded memory) for the window's p99.
 */
import type { Rng } from '../../detect/random.js';
import type { BackoffStrategy } from './backoff.js';

/** One finished logical request. */
export interface RequestOutcome {
  /** Attempts − 1. */
  readonly retries: number;
  /** Whether the last attempt failed too. */
  readonly failed: boolean;
  /** End to end: attempts and sleeps, ms. */
  readonly durationMs: number;
}

/** Totals of the requests run with one strategy. */
export interface StrategyTally {
  readonly requests: number;
  readonly retries: number;
  /** Σ retries² over requests. */
  readonly retriesSquared: number;
  /** Requests whose every attempt failed. */
  readonly exhausted: number;
  readonly durationMsSum: number;
}

/** What one instance is doing now. */
export interface InstanceState {
  readonly instance: string;
  readonly version: string;
  /** The strategy of its latest logical request (v1 before its first). */
  readonly strategy: BackoffStrategy;
  readonly description: string;
}

/** A snapshot of the client's statistics. */
export interface ClientStatsSnapshot {
  readonly requests: number;
  readonly retries: number;
  readonly exhausted: number;
  /** Keyed by the strategy's description (see `describeStrategy`). */
  readonly byStrategy: Readonly<Record<string, StrategyTally>>;
  readonly instances: readonly InstanceState[];
}

/** The requests finished since the previous window. */
export interface WindowSummary {
  readonly requests: number;
  readonly ratePerSecond: number;
  readonly retriesPerRequest: number;
  /** End-to-end p99 of the window, ms (NaN without requests). */
  readonly p99Ms: number;
}

const EMPTY_TALLY: StrategyTally = Object.freeze({ requests: 0, retries: 0, retriesSquared: 0, exhausted: 0, durationMsSum: 0 });

/** Mean retries per request (NaN without requests). */
export function retriesPerRequest(tally: StrategyTally): number {
  return tally.requests === 0 ? NaN : tally.retries / tally.requests;
}

/** Standard error of {@link retriesPerRequest}: the sample standard deviation of per-request retries over √n. */
export function retriesPerRequestStandardError(tally: StrategyTally): number {
  const n = tally.requests;
  if (n < 2) return NaN;
  const mean = tally.retries / n;
  const variance = Math.max(0, (tally.retriesSquared - n * mean * mean) / (n - 1));
  return Math.sqrt(variance / n);
}

/** `later` − `earlier`, field by field: the requests between two snapshots. */
export function tallyDifference(later: StrategyTally | undefined, earlier: StrategyTally | undefined): StrategyTally {
  const a = later ?? EMPTY_TALLY;
  const b = earlier ?? EMPTY_TALLY;
  return {
    requests: a.requests - b.requests,
    retries: a.retries - b.retries,
    retriesSquared: a.retriesSquared - b.retriesSquared,
    exhausted: a.exhausted - b.exhausted,
    durationMsSum: a.durationMsSum - b.durationMsSum,
  };
}

/** The q-quantile of `values` (linear interpolation between order statistics, as R's type 7). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** The client's running statistics. */
export class ClientStats {
  private readonly tallies = new Map<string, StrategyTally>();
  private readonly states: InstanceState[];
  private totals: StrategyTally = EMPTY_TALLY;
  private windowStart: StrategyTally = EMPTY_TALLY;
  private reservoir: number[] = [];
  private seenInWindow = 0;

  /**
   * @param initial the state of each instance before its first request
   * @param rng draws which durations the bounded sample keeps
   * @param reservoirSize most durations kept per window
   */
  constructor(
    initial: readonly InstanceState[],
    private readonly rng: Rng,
    private readonly reservoirSize = 10_000,
  ) {
    this.states = [...initial];
  }

  /** Records what instance `index` runs now. */
  setCurrent(index: number, state: InstanceState): void {
    this.states[index] = state;
  }

  /** Records a finished request run with the strategy described by `description`. */
  record(description: string, outcome: RequestOutcome): void {
    this.tallies.set(description, add(this.tallies.get(description) ?? EMPTY_TALLY, outcome));
    this.totals = add(this.totals, outcome);
    this.seenInWindow++;
    if (this.reservoir.length < this.reservoirSize) {
      this.reservoir.push(outcome.durationMs);
    } else {
      const slot = this.rng.int(this.seenInWindow);
      if (slot < this.reservoirSize) this.reservoir[slot] = outcome.durationMs;
    }
  }

  snapshot(): ClientStatsSnapshot {
    return {
      requests: this.totals.requests,
      retries: this.totals.retries,
      exhausted: this.totals.exhausted,
      byStrategy: Object.fromEntries(this.tallies),
      instances: [...this.states],
    };
  }

  /** Summarises the requests since the previous call (or the start) over `elapsedMs`, and starts a new window. */
  takeWindow(elapsedMs: number): WindowSummary {
    const window = tallyDifference(this.totals, this.windowStart);
    const summary: WindowSummary = {
      requests: window.requests,
      ratePerSecond: elapsedMs > 0 ? (window.requests * 1000) / elapsedMs : NaN,
      retriesPerRequest: retriesPerRequest(window),
      p99Ms: quantile(this.reservoir, 0.99),
    };
    this.windowStart = this.totals;
    this.reservoir = [];
    this.seenInWindow = 0;
    return summary;
  }
}

function add(tally: StrategyTally, outcome: RequestOutcome): StrategyTally {
  return {
    requests: tally.requests + 1,
    retries: tally.retries + outcome.retries,
    retriesSquared: tally.retriesSquared + outcome.retries * outcome.retries,
    exhausted: tally.exhausted + (outcome.failed ? 1 : 0),
    durationMsSum: tally.durationMsSum + outcome.durationMs,
  };
}
