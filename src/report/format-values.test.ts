import { describe, expect, it } from 'vitest';
import { formatChange, formatInterval, formatLabels, formatP, formatValue, leadStatistic } from './format-values.js';
import { reportGroup, reportStatistic } from '../../test/support/sample-report.js';

describe('formatValue', () => {
  it('shows ratios as percent and latencies in ms below a second, else in s', () => {
    expect(formatValue({ name: 'ratio' }, 0.0123)).toBe('1.23%');
    expect(formatValue({ name: 'p99' }, 0.25)).toBe('250 ms');
    expect(formatValue({ name: 'p99' }, 0.0015)).toBe('1.50 ms');
    expect(formatValue({ name: 'p99.9' }, 2.5)).toBe('2.50 s');
    expect(formatValue({ name: 'p99' }, NaN)).toBe('–');
    expect(formatValue({ name: 'p99' }, Infinity)).toBe('–');
  });
});

describe('formatChange / formatInterval / formatP / formatLabels', () => {
  it('formats signed percentages and intervals', () => {
    expect(formatChange(0.123)).toBe('+12.3%');
    expect(formatChange(0)).toBe('+0.0%');
    expect(formatChange(-0.05)).toBe('-5.0%');
    expect(formatChange(NaN)).toBe('–');
    expect(formatInterval([0.031, 0.204])).toBe('[+3.1%, +20.4%]');
    expect(formatInterval([NaN, NaN])).toBe('–');
  });

  it('formats p-values compactly', () => {
    expect(formatP(0.0123)).toBe('0.012');
    expect(formatP(0.00005)).toBe('5.0e-5');
    expect(formatP(0)).toBe('0.0e+0');
    expect(formatP(NaN)).toBe('–');
  });

  it('joins labels, or says (all)', () => {
    expect(formatLabels({ service: 'gateway', endpoint: '/v1' })).toBe('service=gateway endpoint=/v1');
    expect(formatLabels({})).toBe('(all)');
  });
});

describe('leadStatistic', () => {
  it('picks the statistic with the group’s verdict and the smallest q-value', () => {
    const group = reportGroup({
      verdict: 'regression',
      statistics: [
        reportStatistic({ name: 'p50', verdict: 'no_change', qValue: 1e-9 }),
        reportStatistic({ name: 'p99', verdict: 'regression', qValue: 0.004 }),
        reportStatistic({ name: 'p99.9', verdict: 'regression', qValue: 0.001 }),
      ],
    });
    expect(leadStatistic(group)?.name).toBe('p99.9');
  });

  it('falls back to all statistics, sorting a NaN q-value last, and is undefined without any', () => {
    const group = reportGroup({
      verdict: 'inconclusive',
      statistics: [reportStatistic({ name: 'p50', verdict: 'no_change', qValue: NaN }), reportStatistic({ name: 'p99', verdict: 'no_change', qValue: 0.3 })],
    });
    expect(leadStatistic(group)?.name).toBe('p99');
    expect(leadStatistic(reportGroup({ statistics: [] }))).toBeUndefined();
  });

  // BUG: leadStatistic sorts by `(a.qValue || 1)`, which maps q = 0 (a zero-variance effect, or
  // BH of p = 0) to 1, so the most significant statistic loses to any other with q < 1.
  it('leads with a statistic whose q-value is exactly 0', () => {
    const group = reportGroup({
      verdict: 'regression',
      statistics: [reportStatistic({ name: 'p99', verdict: 'regression', qValue: 0.01 }), reportStatistic({ name: 'p99.9', verdict: 'regression', qValue: 0 })],
    });
    expect(leadStatistic(group)?.name).toBe('p99.9');
  });
});
