/**
 * Splits a `query_range` over [startMs, endMs] into requests of at most `maxPoints` steps per
 * series (Prometheus refuses more than 11,000), chunks back to back: the end of chunk i plus one
 * step is the start of chunk i+1, so no evaluation time is queried twice or skipped.
 */

/** Prometheus' limit on points per series of one `query_range` request. */
export const MAX_POINTS_PER_REQUEST = 11_000;

/** One `query_range` request: evaluation times startMs, startMs + step, …, endMs (all ms). */
export interface RangeChunk {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The chunks covering evaluation times `firstMs + k·stepMs` that lie in [firstMs, endMs].
 * Empty when firstMs > endMs. `stepMs` must be > 0 and `maxPoints` ≥ 1.
 */
export function planRangeChunks(firstMs: number, endMs: number, stepMs: number, maxPoints: number = MAX_POINTS_PER_REQUEST): RangeChunk[] {
  if (!(stepMs > 0) || !(maxPoints >= 1)) throw new RangeError(`invalid range plan: step ${stepMs} ms, ${maxPoints} points`);
  const points = Math.floor((endMs - firstMs) / stepMs) + 1;
  const chunks: RangeChunk[] = [];
  for (let first = 0; first < points; first += maxPoints) {
    const last = Math.min(points, first + maxPoints) - 1;
    chunks.push({ startMs: firstMs + first * stepMs, endMs: firstMs + last * stepMs });
  }
  return chunks;
}

/**
 * First evaluation time ≥ startMs that is in phase with a known raw sample time `phaseMs` (so that
 * evaluation times fall on scrape times), or startMs when no sample time is known.
 */
export function alignedStartMs(startMs: number, stepMs: number, phaseMs: number | undefined): number {
  if (phaseMs === undefined) return startMs;
  const offset = (((phaseMs - startMs) % stepMs) + stepMs) % stepMs;
  return startMs + offset;
}
