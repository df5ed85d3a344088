/**
 * The benchmark's input: the seeded big fleet (`bigScenario`) simulated and written as one
 * OpenMetrics file, with the matching `upgrade.json` beside it.
 */
import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bigScenario } from '../../src/sim/big-scenario.js';
import type { BigScenarioOptions } from '../../src/sim/big-scenario.js';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import { writeOpenMetrics } from '../../src/sim/openmetrics-writer.js';
import type { UpgradeDescription } from '../../src/sim/upgrade-description.js';

/** The files written by {@link writeBenchInput} and what they hold. */
export interface BenchInput {
  readonly metricsPath: string;
  readonly upgradePath: string;
  /** Size of the OpenMetrics file, bytes. */
  readonly metricsBytes: number;
  readonly seriesCount: number;
  readonly sampleCount: number;
  /** Instances of the simulated fleet. */
  readonly instanceCount: number;
  readonly upgrade: UpgradeDescription;
}

/** File names inside the benchmark directory. */
export const METRICS_FILE = 'fleet.om';
export const UPGRADE_FILE = 'upgrade.json';

/**
 * Simulates `bigScenario(options)` (deterministic for a given seed) and writes `fleet.om` and
 * `upgrade.json` into `dir`; returns their paths, the file size in bytes and the series and
 * sample counts.
 */
export async function writeBenchInput(dir: string, options: BigScenarioOptions = {}): Promise<BenchInput> {
  const { scenario, upgrade } = bigScenario(options);
  const { series } = simulateFleet(scenario);
  const metricsPath = join(dir, METRICS_FILE);
  const upgradePath = join(dir, UPGRADE_FILE);
  await writeFileStream(metricsPath, (out) => writeOpenMetrics(series, out));
  await writeFile(upgradePath, `${JSON.stringify(upgrade, null, 2)}\n`);
  return {
    metricsPath,
    upgradePath,
    metricsBytes: (await stat(metricsPath)).size,
    seriesCount: series.length,
    sampleCount: series.reduce((sum, s) => sum + s.values.length, 0),
    instanceCount: scenario.services.reduce((sum, s) => sum + s.instances.length, 0),
    upgrade,
  };
}

async function writeFileStream(path: string, write: (out: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  await Promise.race([write(out), failed]);
  await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
}
