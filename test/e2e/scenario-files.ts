/**
 * Writes a seeded simulator scenario to disk the way a user would hand it to the CLI: an
 * OpenMetrics file with timestamps plus its `upgrade.json`.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import { writeOpenMetrics } from '../../src/sim/openmetrics-writer.js';
import type { ScenarioBundle, UpgradeDescription } from '../../src/sim/upgrade-description.js';
import type { RawSeries } from '../../src/series/model.js';

/** Paths of one scenario on disk. */
export interface ScenarioFiles {
  readonly metricsPath: string;
  readonly upgradePath: string;
  readonly upgrade: UpgradeDescription;
  /** Every simulated series (for tests that split or alter them). */
  readonly series: readonly RawSeries[];
}

/** Writes `series` as OpenMetrics text (with `# EOF`) to `path`. */
export async function writeSeriesFile(path: string, series: readonly RawSeries[]): Promise<void> {
  const stream = createWriteStream(path);
  await writeOpenMetrics(series, stream);
  stream.end();
  await finished(stream);
}

/** Writes `value` as pretty-printed JSON (2-space indent, trailing newline) to `path`. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Simulates `bundle.scenario` and writes `<dir>/<name>.om` and `<dir>/<name>.upgrade.json`.
 * Deterministic: the scenario carries its seed.
 */
export async function writeScenarioFiles(dir: string, name: string, bundle: ScenarioBundle): Promise<ScenarioFiles> {
  const fleet = simulateFleet(bundle.scenario);
  const metricsPath = join(dir, `${name}.om`);
  const upgradePath = join(dir, `${name}.upgrade.json`);
  await writeSeriesFile(metricsPath, fleet.series);
  await writeJsonFile(upgradePath, bundle.upgrade);
  return { metricsPath, upgradePath, upgrade: bundle.upgrade, series: fleet.series };
}
