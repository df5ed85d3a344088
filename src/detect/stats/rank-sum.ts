/** Rank statistics of the pooled sample (x − shift, y), as R's `rank()` with average ranks for ties. */
export interface RankSumStats {
  /** Sum of the (average) ranks of the x − shift values in the pooled sample. */
  rankSumX: number;
  /** Σ (t³ − t) over the tie groups of the pooled sample (0 without ties). */
  tieTerm: number;
  /** Number of tie groups with more than one member. */
  tieGroups: number;
}

/**
 * Computes the rank sum of `sortedX − shift` within the pooled sample with `sortedY`, and the tie
 * correction term, by merging the two ascending arrays: O(nx + ny), no allocation (`out` is filled).
 * Equivalent to R's `sum(rank(c(x - shift, y))[seq_along(x)])` and `sum(table(r)^3 - table(r))`:
 * the subtraction is done value by value exactly as in R, and it preserves the order of `sortedX`.
 */
export function shiftedRankSum(
  sortedX: ArrayLike<number>,
  sortedY: ArrayLike<number>,
  shift: number,
  out: RankSumStats,
): RankSumStats {
  const nx = sortedX.length;
  const ny = sortedY.length;
  let i = 0;
  let j = 0;
  let placed = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  let tieGroups = 0;
  while (i < nx || j < ny) {
    const xValue = i < nx ? (sortedX[i] as number) - shift : Number.POSITIVE_INFINITY;
    const yValue = j < ny ? (sortedY[j] as number) : Number.POSITIVE_INFINITY;
    const value = i < nx && (j >= ny || xValue <= yValue) ? xValue : yValue;
    let fromX = 0;
    while (i < nx && (sortedX[i] as number) - shift === value) {
      fromX++;
      i++;
    }
    let fromY = 0;
    while (j < ny && (sortedY[j] as number) === value) {
      fromY++;
      j++;
    }
    const size = fromX + fromY;
    const averageRank = placed + (size + 1) / 2;
    rankSumX += fromX * averageRank;
    if (size > 1) {
      tieTerm += size * size * size - size;
      tieGroups++;
    }
    placed += size;
  }
  out.rankSumX = rankSumX;
  out.tieTerm = tieTerm;
  out.tieGroups = tieGroups;
  return out;
}
