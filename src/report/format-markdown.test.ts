import { describe, expect, it } from 'vitest';
import { formatMarkdown } from './format-markdown.js';
import { reportGroup, reportStatistic, sampleReport } from '../../test/support/sample-report.js';

describe('formatMarkdown', () => {
  const text = formatMarkdown(sampleReport());

  it('has a title with the upgrade and package, the summary and the windows', () => {
    expect(text.startsWith('## shiftguard: upgrade `dten-2026.04` (dten 2026.04)\n')).toBe(true);
    expect(text).toContain('**1 regression(s)**, 1 improvement(s), 1 inconclusive, 1 unchanged, of 4 groups (false-discovery rate 0.01).');
    expect(text).toContain('Baseline 2026-04-01T11:00:00.000Z – 2026-04-01T12:00:00.000Z; after 2026-04-01T12:05:00.000Z – 2026-04-01T13:05:00.000Z.');
  });

  it('details each regression: onset, notes, every statistic, suspects with evidence, pipes escaped', () => {
    expect(text).toContain('### Regression: latency service=gateway endpoint=/v1/route\\|fast\n');
    expect(text).toContain('Onset 2026-04-01T12:07:00.000Z. before-after comparison (no concurrent controls for long enough)');
    expect(text).toContain('| p50 | 50.0 ms | 51.0 ms | +2.0% | [-1.0%, +5.0%] | 0.30 | 0.40 | no_change |');
    expect(text).toContain('| p99 | 250 ms | 400 ms | +60.0% | [+40.0%, +80.0%] | 1.0e-6 | 4.0e-6 | regression |');
    expect(text).toContain('- `gateway` 2.3.0 → 2.4.0, score 0.93\n  - shift began on each instance within 1m of its rollout (a +0m)\n  - rollout times of gateway read from build-info');
    expect(text).toContain('- `libfoo` ∅ → 1.1, score 0.04\n  - shift onset vs rollout per instance: a +30m');
  });

  it('puts the other groups in one table, in verdict order, with their notes', () => {
    const start = text.indexOf('### Other groups');
    expect(start).toBeGreaterThan(text.indexOf('### Regression'));
    const rows = text.slice(start).split('\n').filter((l) => /^\| (improvement|inconclusive|no_change) /.test(l));
    expect(rows).toEqual([
      '| improvement | retries | service=billing | ratio | 1.20% | 0.600% | -50.0% | [-60.0%, -40.0%] | 0.0020 |  |',
      '| inconclusive | latency | service=search | p99 | 250 ms | – | – | – | – | only 3 baseline slices with data (need ≥ 5) |',
      '| no_change | latency | (all) | p99 | 250 ms | 400 ms | +1.0% | [-2.0%, +4.0%] | 0.50 |  |',
    ]);
  });

  it('ends with the warnings, pipes escaped', () => {
    expect(text).toContain('### Warnings\n\n- 3 counter resets\n- signal x: no series named x_bucket \\| y\n');
  });

  it('says so when a regression has no suspect, and omits empty sections', () => {
    const lone = reportGroup({ verdict: 'regression', statistics: [reportStatistic()] });
    const out = formatMarkdown({ ...sampleReport(), groups: [lone], warnings: [], package: undefined });
    expect(out.startsWith('## shiftguard: upgrade `dten-2026.04`\n')).toBe(true);
    expect(out).toContain('Onset unknown.');
    expect(out).toContain('- none of the changed binaries fits the timing of this shift');
    expect(out).not.toContain('### Other groups');
    expect(out).not.toContain('### Warnings');
  });
});
