import { describe, expect, it } from 'vitest';
import { leadStatisticOf, readStatistics, readSuspects } from './finding-view.js';
import { sampleFinding, sampleStatistic } from './sample-finding.js';

describe('readStatistics', () => {
  it('reads the report statistics, null numbers as NaN', () => {
    const [s] = readStatistics([sampleStatistic({ pValue: null, ci: null })]);
    expect(s?.name).toBe('p99');
    expect(s?.relativeChange).toBe(0.5);
    expect(s?.pValue).toBeNaN();
    expect(s?.ci).toBeNull();
  });

  it('skips malformed entries and non-arrays', () => {
    expect(readStatistics([null, 3, { baseline: 1 }, sampleStatistic()]).map((s) => s.name)).toEqual(['p99']);
    expect(readStatistics({ name: 'p99' })).toEqual([]);
  });
});

describe('readSuspects', () => {
  it('orders by score and keeps only string evidence', () => {
    const suspects = readSuspects([
      { binary: 'b', from: null, to: '2', score: 0.1, evidence: ['x', 5] },
      { binary: 'a', from: '1', to: '2', score: 0.8, evidence: [] },
      { score: 1 },
    ]);
    expect(suspects.map((s) => s.binary)).toEqual(['a', 'b']);
    expect(suspects[1]?.evidence).toEqual(['x']);
    expect(suspects[1]?.from).toBeNull();
  });
});

describe('leadStatisticOf', () => {
  it('takes the statistic with the finding verdict and the smallest q-value', () => {
    const stats = readStatistics(sampleFinding().statistics);
    expect(leadStatisticOf(stats, 'regression')?.name).toBe('p99');
  });

  it('falls back to the largest absolute relative change without per-statistic verdicts', () => {
    const stats = readStatistics([
      { name: 'p50', relativeChange: 0.1 },
      { name: 'p95', relativeChange: -0.4 },
      { name: 'p99', relativeChange: null },
    ]);
    expect(leadStatisticOf(stats, 'regression')?.name).toBe('p95');
  });
});
