/**
 * Benjamini–Hochberg adjusted p-values ("q-values"), identical to R's `p.adjust(p, "BH")`.
 *
 * Method: Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57(1); the
 * step-up adjustment q₍ᵢ₎ = min over j ≥ i of min(1, m/j · p₍ⱼ₎) for the sorted p-values.
 * NaN entries stay NaN in the output and are not counted in m (R's NA handling). The output is
 * a new array in the input order; the input is not modified.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const adjusted = pValues.map(() => Number.NaN);
  const order: number[] = [];
  pValues.forEach((p, i) => {
    if (!Number.isNaN(p)) order.push(i);
  });
  const m = order.length;
  if (m === 0) return adjusted;
  if (m === 1) {
    const only = order[0] as number;
    adjusted[only] = pValues[only] as number;
    return adjusted;
  }
  // Largest p first, stable for ties like R's order(p, decreasing = TRUE).
  order.sort((a, b) => (pValues[b] as number) - (pValues[a] as number) || a - b);
  let running = Number.POSITIVE_INFINITY;
  for (let k = 0; k < m; k++) {
    const index = order[k] as number;
    const rank = m - k;
    running = Math.min(running, (m / rank) * (pValues[index] as number));
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}
