import { describe, expect, it } from 'vitest';
import { findBaselineBreak } from './baseline-stability.js';
import { createRng } from './random.js';
import { poisson } from '../sim/distributions.js';
import { ar1Path, countPanel, countRow, trackOf } from '../../test/support/detect-panels.js';

const PATTERN = 'B'.repeat(120) + '.'.repeat(10) + 'T'.repeat(60);

function panel(seed: number, stepAt: number | null, factor: number, driftSd: number): ReturnType<typeof countPanel> {
  const rng = createRng(seed);
  const rows = Array.from({ length: 4 }, (_, i) => {
    const drift = ar1Path(rng, PATTERN.length, 0.9, driftSd * driftSd);
    const y = Array.from({ length: PATTERN.length }, (_, t) => {
      const level = stepAt !== null && t >= stepAt ? factor : 1;
      return poisson(rng, 40 * level * Math.exp(drift[t] ?? 0));
    });
    return countRow(trackOf(`gw-${i + 1}`, PATTERN), (t) => y[t] ?? 0, () => 1000);
  });
  return countPanel(rows);
}

describe('findBaselineBreak', () => {
  it('finds a strong level shift inside the baseline, at the right slice', () => {
    const found = findBaselineBreak(panel(1, 80, 1.8, 0.05));
    expect(found?.slice).toBeGreaterThanOrEqual(78);
    expect(found?.slice).toBeLessThanOrEqual(82);
    expect(found?.rateRatio).toBeGreaterThan(1.5);
  });

  it('does not mistake slow per-instance drift for a break (50 seeded panels)', () => {
    let breaks = 0;
    for (let seed = 1; seed <= 50; seed++) if (findBaselineBreak(panel(seed, null, 1, 0.05)) !== null) breaks++;
    expect(breaks).toBeLessThanOrEqual(1);
  });

  it('ignores a small step that the drift could explain', () => {
    expect(findBaselineBreak(panel(3, 60, 1.03, 0.05))).toBeNull();
  });
});
