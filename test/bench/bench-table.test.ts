import { describe, expect, it } from 'vitest';
import { compareTools, formatBenchTable, formatComparison } from './bench-table.js';
import type { ToolFigures } from './bench-table.js';
import { summarizeRuns } from './run-stats.js';

function figures(tool: string, wall: number[], rss: number | null, cpu: number[] | null = null): ToolFigures {
  return { tool, wallSeconds: summarizeRuns(wall), cpuSeconds: cpu === null ? null : summarizeRuns(cpu), peakRssBytes: rss, bytes: 40e6, samples: 320_000 };
}

describe('formatBenchTable', () => {
  it('derives throughput from the median wall time and shows - where nothing was measured', () => {
    const rows = [figures('analyze', [2, 1, 4], 150e6, [2.5, 2, 3]), { ...figures('parse', [0.5], null), bytes: null, samples: null }];
    const lines = formatBenchTable(rows).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['tool', 'median wall s', 'min wall s', 'peak RSS MB', 'MB/s', 'samples/s', 'median CPU s']);
    expect(lines[1]).toMatch(/^-+( +-+){6}$/);
    expect(lines[2]?.split(/\s+/)).toEqual(['analyze', '2.000', '1.000', '150.0', '20.0', '160000', '2.50']);
    expect(lines[3]?.split(/\s+/)).toEqual(['parse', '0.500', '0.500', '-', '-', '-', '-']);
  });

  it('pads every line to the same width, numbers right-aligned', () => {
    const lines = formatBenchTable([figures('a', [1], 1e6), figures('a much longer tool name', [10], 1e9)]).split('\n');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    const rssEnd = (lines[0] ?? '').indexOf('peak RSS MB') + 'peak RSS MB'.length;
    expect(lines[2]?.slice(0, rssEnd)).toMatch(/ 1\.0$/);
    expect(lines[3]?.slice(0, rssEnd)).toMatch(/ 1000\.0$/);
  });
});

describe('compareTools', () => {
  it('divides analyze by promtool for median and min wall time, CPU time and peak RSS', () => {
    const c = compareTools(figures('analyze', [1, 2, 3], 200e6, [3, 3, 3]), figures('promtool', [2, 4, 8], 100e6, [2, 2, 2]));
    expect(c).toEqual({ timeRatio: 0.5, minTimeRatio: 0.5, cpuRatio: 1.5, memoryRatio: 2, timeTargetMet: true });
  });

  it('meets the time target at exactly 1.0 and misses it above', () => {
    expect(compareTools(figures('a', [2], 1), figures('p', [2], 1)).timeTargetMet).toBe(true);
    expect(compareTools(figures('a', [2.01], 1), figures('p', [2], 1)).timeTargetMet).toBe(false);
  });

  it('leaves unmeasured ratios null and refuses a zero promtool time', () => {
    const c = compareTools(figures('a', [1], null), figures('p', [1], 5));
    expect(c.memoryRatio).toBeNull();
    expect(c.cpuRatio).toBeNull();
    expect(() => compareTools(figures('a', [1], 1), figures('p', [0], 1))).toThrow(/must be > 0 s/);
  });
});

describe('formatComparison', () => {
  it('prints the ratios and a PASS or MISS line', () => {
    const pass = formatComparison({ timeRatio: 0.8, minTimeRatio: 0.9, cpuRatio: null, memoryRatio: 1.2, timeTargetMet: true });
    expect(pass).toContain('median wall time: 0.80');
    expect(pass).toContain('median CPU time:  not measured');
    expect(pass).toContain('peak RSS:         1.20');
    expect(pass.split('\n').at(-1)).toMatch(/^PASS: .*0\.80$/);
    const miss = formatComparison({ timeRatio: 1.17, minTimeRatio: 1.05, cpuRatio: 1.2, memoryRatio: null, timeTargetMet: false });
    expect(miss.split('\n').at(-1)).toMatch(/^MISS: .*1\.17$/);
  });
});
