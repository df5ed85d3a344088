import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import { METRICS_FILE, UPGRADE_FILE, writeBenchInput } from './bench-input.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small fleet: 2 services, 1 hour, one instance each. */
const SMALL = { services: 2, hours: 1, targetBytes: 1, seed: 5 };

describe('writeBenchInput', () => {
  it('writes the OpenMetrics file and upgrade.json and counts what they hold', async () => {
    const input = await writeBenchInput(dir, SMALL);
    expect(input.metricsPath).toBe(join(dir, METRICS_FILE));
    expect(input.upgradePath).toBe(join(dir, UPGRADE_FILE));
    expect(input.metricsBytes).toBe(statSync(input.metricsPath).size);
    expect(input.instanceCount).toBe(2);
    const text = readFileSync(input.metricsPath, 'utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(sampleLines).toHaveLength(input.sampleCount);
    const seriesKeys = new Set(sampleLines.map((l) => l.slice(0, l.lastIndexOf(' ', l.lastIndexOf(' ') - 1))));
    expect(seriesKeys.size).toBe(input.seriesCount);
    const upgrade = validateUpgrade(JSON.parse(readFileSync(input.upgradePath, 'utf8')) as unknown, input.upgradePath);
    expect(upgrade.binaries.map((b) => b.name)).toEqual(input.upgrade.binaries.map((b) => b.name));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const digest = async (sub: string, seed: number): Promise<string> => {
      const input = await writeBenchInput(join(dir, sub), { ...SMALL, seed });
      return createHash('sha256').update(readFileSync(input.metricsPath)).digest('hex');
    };
    for (const sub of ['a', 'b', 'c']) mkdirSync(join(dir, sub));
    expect(await digest('a', 5)).toBe(await digest('b', 5));
    expect(await digest('c', 6)).not.toBe(await digest('a', 5));
  });

  it('scales the fleet to the target size', async () => {
    mkdirSync(join(dir, 'big'));
    const small = await writeBenchInput(join(dir, 'big'), SMALL);
    const bigger = await writeBenchInput(join(dir, 'big'), { ...SMALL, targetBytes: small.metricsBytes * 3 });
    expect(bigger.instanceCount).toBeGreaterThanOrEqual(5);
    expect(bigger.metricsBytes / small.metricsBytes).toBeGreaterThan(2.4);
    expect(bigger.metricsBytes / small.metricsBytes).toBeLessThan(3.6);
  });
});
