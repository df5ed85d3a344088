import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeTimeline, formatTimeline } from './analyze-timeline.js';
import { writeBenchInput } from './bench-input.js';
import { REPO_ROOT } from './tool-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-timeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('formatTimeline', () => {
  it('stamps each line with seconds since spawn and ends with the exit', () => {
    const text = formatTimeline({ entries: [{ atSeconds: 0.5, line: 'shiftguard: read 3 series' }], exitSeconds: 1.25, exitCode: 3 });
    expect(text).toBe('   0.50 s  shiftguard: read 3 series\n   1.25 s  (exit 3)');
  });
});

describe.skipIf(!existsSync(join(REPO_ROOT, 'dist', 'bundle', 'main.js')))('analyzeTimeline', () => {
  it('collects the progress lines of a real run in time order', async () => {
    const input = await writeBenchInput(dir, { services: 2, hours: 4, targetBytes: 1, seed: 3 });
    const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report.json') };
    const timeline = await analyzeTimeline(files, dir);
    expect([0, 3]).toContain(timeline.exitCode);
    expect(timeline.entries.length).toBeGreaterThan(1);
    expect(timeline.entries.every((e) => e.line.startsWith('shiftguard: '))).toBe(true);
    const times = timeline.entries.map((e) => e.atSeconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(timeline.exitSeconds).toBeGreaterThanOrEqual(times[times.length - 1] ?? 0);
  });

  it('fails with the CLI message when analyze refuses its input', async () => {
    const files = { upgradePath: join(dir, 'missing.json'), metricsPath: join(dir, 'missing.om'), reportPath: join(dir, 'r.json') };
    await expect(analyzeTimeline(files, dir)).rejects.toThrow(/exit code 2:[\s\S]*missing\.json/);
  });
});
