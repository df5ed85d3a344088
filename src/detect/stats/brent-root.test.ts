import { describe, expect, it } from 'vitest';
import { brentRoot } from './brent-root.js';

describe('brentRoot', () => {
  it('finds √2 as the zero of x² − 2 to the requested tolerance', () => {
    const f = (x: number): number => x * x - 2;
    const result = brentRoot(f, 0, 2, f(0), f(2), 1e-12);
    expect(Math.abs(result.root - Math.SQRT2)).toBeLessThan(1e-12);
    expect(result.iterations).toBeGreaterThan(0);
  });

  it('returns an endpoint whose function value is exactly zero', () => {
    expect(brentRoot((x) => x - 1, 1, 3, 0, 2, 1e-8).root).toBe(1);
    expect(brentRoot((x) => x - 3, 1, 3, -2, 0, 1e-8).root).toBe(3);
  });

  it('locates the jump of a step function within the tolerance', () => {
    const step = (x: number): number => (x < 0.3 ? 1 : -1);
    const result = brentRoot(step, -5, 5, 1, -1, 1e-4);
    expect(Math.abs(result.root - 0.3)).toBeLessThan(1e-4);
  });

  it('reports non-convergence with iterations = −1', () => {
    const f = (x: number): number => Math.atan(x - 1);
    expect(brentRoot(f, -1000, 1000, f(-1000), f(1000), 0, 3).iterations).toBe(-1);
  });
});
