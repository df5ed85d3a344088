import { describe, expect, it } from 'vitest';
import { alertAnnotations, groupText } from './alert-annotations.js';
import { sampleFinding, sampleStatistic } from './sample-finding.js';

describe('alertAnnotations', () => {
  const annotations = alertAnnotations(sampleFinding());

  it('summarises the lead statistic in one line', () => {
    expect(annotations.summary).toBe('p99 of latency {service=gateway,endpoint=/v1/route} +50.0% after upgrade dten-2026.04');
    expect(annotations.summary).not.toContain('\n');
  });

  it('describes every statistic and the top suspect with its score and evidence', () => {
    const lines = annotations.description.split('\n');
    expect(lines[0]).toBe('regression of latency {service=gateway,endpoint=/v1/route} after upgrade dten-2026.04 (finding 1, open since 2026-04-10T12:06:00.000Z).');
    expect(lines).toContain('p99: 120 ms → 180 ms (+50.0%, CI [+31.0%, +72.0%], p=1.2e-9, q=3.4e-9)');
    expect(lines).toContain('p50: 50.0 ms → 51.0 ms (+2.0%, CI [-1.0%, +5.0%], p=0.30, q=0.40)');
    expect(lines.at(-1)).toBe('Top suspect: dten-gateway 4.2.1 → 4.3.0, score 0.93: shift began on each instance within 2m of its rollout');
  });

  it('lists suspects compactly, and the finding id', () => {
    expect(annotations.suspects).toBe('dten-gateway 4.2.1→4.3.0 0.93; dten-sync 1.0.0→1.1.0 0.05');
    expect(annotations.finding_id).toBe('1');
  });

  it('copes with a finding without readable statistics or suspects', () => {
    const bare = alertAnnotations(sampleFinding({ statistics: null, suspects: 'garbage', labels: {} }));
    expect(bare.summary).toBe('latency regression after upgrade dten-2026.04');
    expect(bare.suspects).toBe('none');
    expect(bare.description).toContain('Top suspect: none');
  });

  it('formats ratio statistics as percentages', () => {
    const ratio = alertAnnotations(
      sampleFinding({ signal: 'retries', labels: { service: 'sync', peer: 'db' }, statistics: [sampleStatistic({ name: 'ratio', baseline: 0.01, after: 0.013, relativeChange: 0.3 })] }),
    );
    expect(ratio.summary).toBe('ratio of retries {service=sync,peer=db} +30.0% after upgrade dten-2026.04');
    expect(ratio.description).toContain('ratio: 1.00% → 1.30% (+30.0%');
  });
});

describe('groupText', () => {
  it('is empty for a group without labels', () => {
    expect(groupText({})).toBe('');
    expect(groupText({ a: '1' })).toBe('{a=1}');
  });
});
