import { describe, expect, it } from 'vitest';
import { quantileName, quantileOfName } from './statistic.js';

describe('quantile statistic names', () => {
  it('names quantiles as the report does, and reads the names back', () => {
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) expect(quantileOfName(quantileName(q))).toBeCloseTo(q, 12);
    expect(quantileName(0.999)).toBe('p99.9');
  });

  it('is null for statistics that are not quantiles', () => {
    for (const name of ['ratio', 'p', 'p99x', 'mean', '']) expect(quantileOfName(name)).toBeNull();
  });
});
