import { describe, expect, it } from 'vitest';
import { scrapeGrid, walkIntervals } from './interval-walk.js';

function trace(points: number[], resets: number[]): string[] {
  const log: string[] = [];
  walkIntervals(scrapeGrid(100, 300, 100), points, resets, {
    interval: (k) => log.push(`i${k}`),
    piece: (_k, a, b) => log.push(`[${a},${b})`),
    reset: () => log.push('R'),
    scrape: (k) => log.push(`s${k}`),
  });
  return log;
}

describe('walkIntervals', () => {
  it('covers [t_k − Δ, t_k) for every scrape without change points', () => {
    expect(trace([], [])).toEqual(['i0', '[0,100)', 's0', 'i1', '[100,200)', 's1', 'i2', '[200,300)', 's2']);
  });

  it('splits at a mid-interval restart and resets after the pieces before it', () => {
    expect(trace([150], [150])).toEqual(['i0', '[0,100)', 's0', 'i1', '[100,150)', 'R', '[150,200)', 's1', 'i2', '[200,300)', 's2']);
  });

  it('resets right before the scrape when the restart is exactly at a scrape time', () => {
    expect(trace([200], [200])).toEqual(['i0', '[0,100)', 's0', 'i1', '[100,200)', 'R', 's1', 'i2', '[200,300)', 's2']);
  });

  it('ignores restarts before the first interval and splits at effect starts without resetting', () => {
    expect(trace([-50, 120, 120, 130], [-50])).toEqual([
      'i0', '[0,100)', 's0', 'i1', '[100,120)', '[120,130)', '[130,200)', 's1', 'i2', '[200,300)', 's2',
    ]);
  });
});
