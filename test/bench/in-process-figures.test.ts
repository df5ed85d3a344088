import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNames } from '../../src/analysis/run-analysis.js';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import { writeBenchInput } from './bench-input.js';
import type { BenchInput } from './bench-input.js';
import { captureAnalysisRequest, loadBenchUpgrade, timeAnalysis, timeParse } from './in-process-figures.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-in-process-'));
let input: BenchInput;
beforeAll(async () => {
  input = await writeBenchInput(dir, { services: 2, hours: 4, targetBytes: 1, seed: 3 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('in-process figures', () => {
  it('captures the request analyze makes: the configured metric names around the upgrade', async () => {
    const config = defaultConfig();
    const upgrade = await loadBenchUpgrade(input.upgradePath);
    const request = await captureAnalysisRequest(config, upgrade);
    expect([...request.metricNames].sort()).toEqual(metricNames(config).sort());
    expect(request.startMs).toBeLessThanOrEqual(upgrade.startedAtMs - config.windows.baselineMs);
    expect(request.endMs).toBeGreaterThanOrEqual(upgrade.startedAtMs + config.windows.afterMs);
  });

  it('times each parse and each analysis, and keeps what they produced', async () => {
    const config = defaultConfig();
    const upgrade = await loadBenchUpgrade(input.upgradePath);
    const request = await captureAnalysisRequest(config, upgrade);
    const parse = await timeParse(input.metricsPath, request, 2);
    expect(parse.seconds).toHaveLength(2);
    expect(parse.seconds.every((s) => s > 0)).toBe(true);
    expect(parse.data.series.length).toBeGreaterThan(0);
    expect(parse.keptSamples).toBeGreaterThan(0);
    expect(parse.keptSamples).toBeLessThan(input.sampleCount);
    const analysis = await timeAnalysis(parse.data, config, upgrade, 2);
    expect(analysis.seconds).toHaveLength(2);
    expect(analysis.summary.groups).toBeGreaterThan(0);
  });

  it('refuses zero analysis repetitions', async () => {
    const upgrade = await loadBenchUpgrade(input.upgradePath);
    await expect(timeAnalysis({ series: [], warnings: [] }, defaultConfig(), upgrade, 0)).rejects.toThrow('expected at least one repetition, got 0');
  });

  it('names the upgrade file when it is not valid', async () => {
    const bad = join(dir, 'bad-upgrade.json');
    writeFileSync(bad, JSON.stringify({ id: 'x', binaries: [] }));
    await expect(loadBenchUpgrade(bad)).rejects.toThrow(/bad-upgrade\.json/);
  });
});
