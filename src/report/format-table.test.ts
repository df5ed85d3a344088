import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.js';
import { sampleReport } from '../../test/support/sample-report.js';

describe('formatTable', () => {
  const text = formatTable(sampleReport());
  const lines = text.split('\n');

  it('starts with the summary and the windows', () => {
    expect(lines[0]).toBe('upgrade dten-2026.04: 1 regression(s), 1 improvement(s), 1 inconclusive, 1 unchanged of 4 groups (FDR 0.01)');
    expect(lines[1]).toBe('baseline 2026-04-01T11:00:00.000Z – 2026-04-01T12:00:00.000Z; after 2026-04-01T12:05:00.000Z – 2026-04-01T13:05:00.000Z');
  });

  it('lists one row per group, regressions first, with aligned columns', () => {
    const header = lines.findIndex((l) => l.startsWith('VERDICT'));
    const rows = lines.slice(header + 1, header + 5);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['regression', 'improvement', 'inconclusive', 'no_change']);
    const column = (lines[header] ?? '').indexOf('GROUP');
    expect(rows.map((r) => r.slice(column).split('  ')[0])).toEqual(['service=gateway endpoint=/v1/route|fast', 'service=billing', 'service=search', '(all)']);
  });

  it('shows the lead statistic of each group and the top suspect of the regression', () => {
    const regression = lines.find((l) => l.startsWith('regression')) ?? '';
    for (const cell of ['p99', '250 ms', '400 ms', '+60.0%', '[+40.0%, +80.0%]', '4.0e-6', 'gateway 2.3.0→2.4.0 (0.93)']) expect(regression).toContain(cell);
    const improvement = lines.find((l) => l.startsWith('improvement')) ?? '';
    for (const cell of ['ratio', '1.20%', '0.600%', '-50.0%', '0.0020']) expect(improvement).toContain(cell);
    expect(lines.find((l) => l.startsWith('inconclusive'))).toMatch(/p99\s+250 ms\s+–\s+–\s+–\s+–$/);
  });

  it('adds the top suspect’s first evidence, the inconclusive reason and the warnings', () => {
    expect(text).toContain('  latency service=gateway endpoint=/v1/route|fast: shift began on each instance within 1m of its rollout (a +0m)\n');
    expect(text).toContain('  latency service=search: inconclusive, only 3 baseline slices with data (need ≥ 5)\n');
    expect(text).toContain('\nwarnings:\n  - 3 counter resets\n  - signal x: no series named x_bucket | y\n');
    expect(text).not.toContain('libfoo');
  });

  it('omits the notes and warnings sections when there are none', () => {
    const quiet = { ...sampleReport(), groups: sampleReport().groups.slice(0, 1), warnings: [] };
    const out = formatTable(quiet);
    expect(out).not.toContain('warnings:');
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^no_change/);
  });
});
