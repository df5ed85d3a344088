import { describe, expect, it } from 'vitest';
import { reportJson, summarize, verdictRank } from './report.js';
import { reportGroup, sampleReport } from '../../test/support/sample-report.js';

describe('summarize', () => {
  it('counts groups per verdict', () => {
    expect(summarize(sampleReport().groups)).toEqual({ groups: 4, regressions: 1, improvements: 1, inconclusive: 1, noChange: 1 });
    expect(summarize([reportGroup({ verdict: 'regression' }), reportGroup({ verdict: 'regression' })])).toEqual({
      groups: 2,
      regressions: 2,
      improvements: 0,
      inconclusive: 0,
      noChange: 0,
    });
    expect(summarize([])).toEqual({ groups: 0, regressions: 0, improvements: 0, inconclusive: 0, noChange: 0 });
  });
});

describe('verdictRank', () => {
  it('orders regressions, improvements, inconclusive, no change', () => {
    const verdicts = ['no_change', 'inconclusive', 'regression', 'improvement'] as const;
    expect([...verdicts].sort((a, b) => verdictRank(a) - verdictRank(b))).toEqual(['regression', 'improvement', 'inconclusive', 'no_change']);
  });
});

describe('reportJson', () => {
  const text = reportJson(sampleReport());
  const parsed = JSON.parse(text) as ReturnType<typeof sampleReport>;

  it('is indented JSON text ending with a newline that round-trips the finite fields', () => {
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "upgrade": "dten-2026.04",');
    expect(parsed.summary).toEqual(sampleReport().summary);
    expect(parsed.groups[3]?.suspects[0]).toEqual(sampleReport().groups[3]?.suspects[0]);
    expect(parsed.groups[0]?.onset).toBeNull();
  });

  it('writes NaN and Infinity as null', () => {
    const inconclusive = parsed.groups[1]?.statistics[0];
    expect(inconclusive?.relativeChange).toBeNull();
    expect(inconclusive?.ci).toEqual([null, null]);
    expect(inconclusive?.pValue).toBeNull();
    expect(inconclusive?.after).toBeNull();
    expect(inconclusive?.baseline).toBe(0.25);
    expect(text).not.toMatch(/NaN|Infinity/);
  });
});
