import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchInput } from './bench-input.js';
import { profileAnalyze } from './profile-analyze.js';
import { REPO_ROOT } from './tool-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(REPO_ROOT, 'dist', 'bundle', 'main.js')))('profileAnalyze', () => {
  it('profiles one analyze run and shows the repository files relative to its root', async () => {
    const input = await writeBenchInput(dir, { services: 2, hours: 4, targetBytes: 1, seed: 3 });
    const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report.json') };
    // 50 µs sampling: the parse of this small input takes a few ms, which 1 ms sampling on a loaded CI machine once missed entirely.
    const { path, summary } = await profileAnalyze(files, dir, join(dir, 'profile'), { intervalUs: 50 });
    expect(existsSync(path)).toBe(true);
    expect(summary.sampledMs).toBeGreaterThan(0);
    // The CLI runs from the esbuild bundle (dist/bundle/), whose function names are the source's.
    expect(summary.byFile.some((e) => e.location.startsWith('dist/bundle/'))).toBe(true);
    const parser = summary.byFunction.find((e) => e.name === 'readOpenMetricsFiles' && e.location.startsWith('dist/bundle/'));
    expect(parser?.totalMs ?? 0).toBeGreaterThan(0);
  });
});
