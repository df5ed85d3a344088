/**
 * Walks the scrape intervals of a simulation, splitting each at change points (effect starts,
 * restarts) so that counts are generated per piece and counters reset exactly where a process restarts.
 * Scrape k happens at startMs + k·intervalMs and sees the events of [t_k − intervalMs, t_k).
 */

/** The scrape times of a simulation. */
export interface ScrapeGrid {
  readonly startMs: number;
  readonly intervalMs: number;
  /** Number of scrapes: t_k = startMs + k·intervalMs for k < count. */
  readonly count: number;
}

/** Callbacks of {@link walkIntervals}, in this order per interval: interval, piece/reset…, scrape. */
export interface IntervalVisitor {
  /** Start of interval k (advance per-interval hidden processes here). */
  interval(k: number): void;
  /** Events in [startMs, endMs) (non-empty), all within interval k. */
  piece(k: number, startMs: number, endMs: number): void;
  /** The process restarted: counters go to 0 (counts generated so far in this interval are lost). */
  reset(): void;
  /** The scrape at t_k reads the counters. */
  scrape(k: number): void;
}

/** Builds the grid of scrapes from `startMs` to `endMs` inclusive. */
export function scrapeGrid(startMs: number, endMs: number, intervalMs: number): ScrapeGrid {
  return { startMs, intervalMs, count: Math.floor((endMs - startMs) / intervalMs) + 1 };
}

/** Time of scrape k in ms. */
export function scrapeTimeMs(grid: ScrapeGrid, k: number): number {
  return grid.startMs + k * grid.intervalMs;
}

/**
 * Visits every interval of `grid`, split at `changePointsMs` (sorted ascending; reset times must be
 * among them). A reset at r applies after the pieces before r: the scrape at t ≥ r sees only events
 * in [r, t). Resets at or before the start of the first interval are ignored (counters start at 0).
 */
export function walkIntervals(grid: ScrapeGrid, changePointsMs: readonly number[], resetsMs: readonly number[], visitor: IntervalVisitor): void {
  let ci = 0;
  let ri = 0;
  for (let k = 0; k < grid.count; k++) {
    const endMs = scrapeTimeMs(grid, k);
    const startMs = endMs - grid.intervalMs;
    visitor.interval(k);
    while (ci < changePointsMs.length && (changePointsMs[ci] ?? 0) <= startMs) ci++;
    if (k === 0) while (ri < resetsMs.length && (resetsMs[ri] ?? 0) <= startMs) ri++;
    let cursor = startMs;
    while (ci < changePointsMs.length && (changePointsMs[ci] ?? 0) < endMs) {
      const point = changePointsMs[ci] ?? 0;
      ci++;
      if (point <= cursor) continue;
      visitor.piece(k, cursor, point);
      cursor = point;
      ri = applyResets(resetsMs, ri, cursor, visitor);
    }
    visitor.piece(k, cursor, endMs);
    ri = applyResets(resetsMs, ri, endMs, visitor);
    visitor.scrape(k);
  }
}

function applyResets(resetsMs: readonly number[], ri: number, untilMs: number, visitor: IntervalVisitor): number {
  let i = ri;
  while (i < resetsMs.length && (resetsMs[i] ?? 0) <= untilMs) {
    visitor.reset();
    i++;
  }
  return i;
}
