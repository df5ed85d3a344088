import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from './normal-math.js';

describe('normal math', () => {
  it('gives textbook values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
  });

  it('quantile inverts the CDF from 1e-12 to 1 − 1e-12', () => {
    for (const p of [1e-12, 1e-6, 0.001, 0.02425, 0.1, 0.5, 0.7, 0.97575, 0.999, 1 - 1e-9]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
    }
  });

  it('refuses p outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(/\(0, 1\)/);
    expect(() => normalQuantile(1)).toThrow(/\(0, 1\)/);
  });
});
