import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBenchInput } from './bench-input.js';
import type { BenchInput } from './bench-input.js';
import { CLI_PATH, analyzeArgs, measureAnalyze, measurePromtool, measureStartup } from './tool-runs.js';

const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool';
const hasCli = existsSync(join(CLI_PATH, '..', '..', 'dist', 'bundle', 'main.js'));
const dir = mkdtempSync(join(tmpdir(), 'bench-tools-'));
let input: BenchInput;
beforeAll(async () => {
  input = await writeBenchInput(dir, { services: 2, hours: 4, targetBytes: 1, seed: 3 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('analyzeArgs', () => {
  it('asks for a JSON report written to a file, without progress', () => {
    expect(analyzeArgs({ upgradePath: 'u.json', metricsPath: 'f.om', reportPath: 'r.json' })).toEqual([
      'analyze', '--upgrade', 'u.json', '--metrics', 'f.om', '--format', 'json', '--out', 'r.json', '--quiet',
    ]);
  });
});

describe.skipIf(!hasCli)('the compiled CLI (npm run build)', () => {
  it('analyze runs, exits 0 or 3 and its report summary is returned', async () => {
    const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report.json') };
    const { run, summary } = await measureAnalyze(files, dir);
    expect([0, 3]).toContain(run.exitCode);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(summary.groups).toBeGreaterThan(0);
  });

  it('a failing analyze (bad input, exit 2) fails the measurement with its stderr', async () => {
    const files = { upgradePath: input.upgradePath, metricsPath: join(dir, 'missing.om'), reportPath: join(dir, 'r2.json') };
    await expect(measureAnalyze(files, dir)).rejects.toThrow(/shiftguard analyze failed with exit code 2;[\s\S]*missing\.om/);
  });

  it('start-up (--help) exits 0', async () => {
    const run = await measureStartup(dir);
    expect(run.exitCode).toBe(0);
    expect(run.wallSeconds).toBeGreaterThan(0);
  });
});

describe.skipIf(!existsSync(PROMTOOL))('promtool backfill', () => {
  it('writes blocks into a fresh directory and counts them', async () => {
    const out = join(dir, 'blocks');
    const first = await measurePromtool(PROMTOOL, input.metricsPath, out);
    expect(first.run.exitCode).toBe(0);
    expect(first.blocks).toBeGreaterThanOrEqual(2);
    const listed = execFileSync(PROMTOOL, ['tsdb', 'list', out], { encoding: 'utf8' });
    expect(listed.split('\n').filter((l) => /^[0-9A-Z]{26}\s/.test(l))).toHaveLength(first.blocks);
    const again = await measurePromtool(PROMTOOL, input.metricsPath, out);
    expect(again.blocks).toBe(first.blocks);
  });

  it('fails the measurement with promtool\'s message on a file it refuses', async () => {
    const bad = join(dir, 'bad.om');
    writeFileSync(bad, 'not openmetrics {{{\n');
    await expect(measurePromtool(PROMTOOL, bad, join(dir, 'bad-blocks'))).rejects.toThrow(/promtool tsdb create-blocks-from openmetrics failed with exit code 1/);
  });
});
