import { describe, expect, it } from 'vitest';
import { assignVerdicts, groupVerdict } from './verdicts.js';
import type { GroupDetection, StatisticResult, Verdict } from './statistic.js';

function stat(overrides: Partial<StatisticResult> = {}): StatisticResult {
  return {
    name: 'p99',
    baseline: 0.2,
    after: 0.3,
    relativeChange: 0.5,
    ci: [0.3, 0.7],
    absoluteChange: 0.1,
    pValue: 0.001,
    qValue: NaN,
    test: 'test',
    design: 'before-after',
    verdict: 'no_change',
    ...overrides,
  };
}

function group(statistics: StatisticResult[], minRelativeChange = 0.05, minAbsoluteChange = 0): GroupDetection {
  return { design: 'before-after', statistics, onsetPanels: statistics.map(() => null), minRelativeChange, minAbsoluteChange, notes: [] };
}

describe('assignVerdicts: Benjamini-Hochberg', () => {
  it('counts statistics of one group that share a testKey as one test', () => {
    const a = group([stat({ name: 'p99', testKey: 'le=0.5', pValue: 0.01 }), stat({ name: 'p99.9', testKey: 'le=0.5', pValue: 0.01 })]);
    const b = group([stat({ pValue: 0.04 })]);
    assignVerdicts([a, b], 0.05);
    // Two distinct tests: q = 0.01·2/1 and 0.04·2/2. Counted three times, the first would be 0.015.
    expect(a.statistics.map((s) => s.qValue)).toEqual([0.02, 0.02]);
    expect(b.statistics[0]?.qValue).toBeCloseTo(0.04, 15);
  });

  it('keeps equal testKeys of different groups apart', () => {
    const a = group([stat({ testKey: 'le=0.5', pValue: 0.01 })]);
    const b = group([stat({ testKey: 'le=0.5', pValue: 0.01 })]);
    const c = group([stat({ pValue: 0.03 })]);
    assignVerdicts([a, b, c], 0.05);
    [0.015, 0.015, 0.03].forEach((q, i) => expect([a, b, c][i]?.statistics[0]?.qValue).toBeCloseTo(q, 15));
  });

  it('leaves inconclusive statistics and NaN p-values out of the count', () => {
    const a = group([stat({ pValue: 0.02 }), stat({ name: 'p50', pValue: NaN, verdict: 'inconclusive', reason: 'too few' })]);
    const b = group([stat({ pValue: NaN })]);
    const verdicts = assignVerdicts([a, b], 0.05);
    expect(a.statistics[0]?.qValue).toBe(0.02);
    expect(a.statistics[1]?.verdict).toBe('inconclusive');
    expect(a.statistics[1]?.reason).toBe('too few');
    expect(b.statistics[0]?.verdict).toBe('inconclusive');
    expect(b.statistics[0]?.reason).toMatch(/could not estimate the variance/);
    expect(verdicts).toEqual(['regression', 'inconclusive']);
  });
});

describe('assignVerdicts: thresholds and directions', () => {
  it('calls a significant rise a regression and a significant fall an improvement', () => {
    const up = group([stat({ relativeChange: 0.2, absoluteChange: 0.04 })]);
    const down = group([stat({ relativeChange: -0.2, absoluteChange: -0.04 })]);
    expect(assignVerdicts([up, down], 0.05)).toEqual(['regression', 'improvement']);
    expect(up.statistics[0]?.reason).toBeUndefined();
  });

  it('calls a q-value above alpha no change, without a reason', () => {
    const g = group([stat({ pValue: 0.2 })]);
    expect(assignVerdicts([g], 0.05)).toEqual(['no_change']);
    expect(g.statistics[0]?.reason).toBeUndefined();
  });

  it('turns a significant change below the relative threshold into no change with a reason', () => {
    const g = group([stat({ relativeChange: 0.03, absoluteChange: 0.006 })], 0.05, 0);
    expect(assignVerdicts([g], 0.05)).toEqual(['no_change']);
    expect(g.statistics[0]?.reason).toMatch(/significant \(q=0\.0010\) but below the practical threshold \(relative 3\.0% vs 5\.0%/);
  });

  it('turns a significant change below the absolute threshold into no change with a reason', () => {
    const g = group([stat({ relativeChange: 0.5, absoluteChange: 0.004 })], 0.05, 0.01);
    expect(assignVerdicts([g], 0.05)).toEqual(['no_change']);
    expect(g.statistics[0]?.reason).toMatch(/absolute 0\.00400 vs 0\.01/);
  });

  it('applies the thresholds to improvements by magnitude', () => {
    const small = group([stat({ relativeChange: -0.03, absoluteChange: -0.006 })], 0.05, 0);
    const large = group([stat({ relativeChange: -0.3, absoluteChange: -0.06 })], 0.05, 0.01);
    expect(assignVerdicts([small, large], 0.05)).toEqual(['no_change', 'improvement']);
  });
});

describe('groupVerdict', () => {
  const withVerdicts = (...verdicts: Verdict[]): StatisticResult[] => verdicts.map((verdict) => stat({ verdict }));

  it('ranks regression over improvement over no change', () => {
    expect(groupVerdict(withVerdicts('improvement', 'regression', 'no_change'))).toBe('regression');
    expect(groupVerdict(withVerdicts('no_change', 'improvement', 'inconclusive'))).toBe('improvement');
    expect(groupVerdict(withVerdicts('no_change', 'no_change'))).toBe('no_change');
  });

  it('is inconclusive only when every statistic is', () => {
    expect(groupVerdict(withVerdicts('inconclusive', 'inconclusive'))).toBe('inconclusive');
    expect(groupVerdict(withVerdicts('inconclusive', 'no_change'))).toBe('no_change');
    expect(groupVerdict(withVerdicts('inconclusive', 'regression'))).toBe('regression');
    expect(groupVerdict([])).toBe('inconclusive');
  });
});
