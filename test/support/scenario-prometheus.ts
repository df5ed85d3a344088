/**
 * A real Prometheus holding the push scenario (test/e2e/push-scenario.ts) at the second scale: 56 s
 * of a small fleet whose dten-gateway upgrade moves p99 of gateway `/v1/route` by +60 % (found about
 * 10 s after the upgrade by the sequential test, at the 30/2/15 s windows of `pushWindowsYaml(1000)`).
 * The seeded simulation is backfilled with promtool, so its timeline may reach into the future:
 * Prometheus serves the samples, and `serve`, which reads only up to the slice that is complete by
 * its clock, sees them arrive as time passes, as if scraped live. Deterministic: the same seed gives
 * the same samples whatever the wall clock.
 */
import { join } from 'node:path';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import type { UpgradeDescription } from '../../src/sim/upgrade-description.js';
import { startBackfilledPrometheus } from '../e2e/backfilled-prometheus.js';
import type { BackfilledPrometheus } from '../e2e/backfilled-prometheus.js';
import { PUSH_SEED, PUSH_SPAN_UNITS, pushScenario } from '../e2e/push-scenario.js';
import { writeSeriesFile } from '../e2e/scenario-files.js';

/** The scenario's time unit: a second. */
export const SCENARIO_UNIT_MS = 1000;
/** Units of data before the upgrade starts (push-scenario.ts). */
const UNITS_BEFORE_UPGRADE = 31;

/** The running Prometheus and the scenario's upgrade. */
export interface ScenarioPrometheus {
  readonly prometheus: BackfilledPrometheus;
  /** The upgrade.json of the scenario (id `push-7`). */
  readonly upgrade: UpgradeDescription;
  /** When the upgrade starts, epoch ms. */
  readonly upgradeAtMs: number;
  /** When the data ends, epoch ms. */
  readonly endMs: number;
}

/**
 * Simulates the scenario with its upgrade at the first whole second at least `upgradeInMs` from now
 * (negative: in the past), backfills it into a Prometheus in `dir` and starts it.
 */
export async function startScenarioPrometheus(dir: string, upgradeInMs: number): Promise<ScenarioPrometheus> {
  const upgradeAtMs = Math.ceil((Date.now() + upgradeInMs) / SCENARIO_UNIT_MS) * SCENARIO_UNIT_MS;
  const startMs = upgradeAtMs - UNITS_BEFORE_UPGRADE * SCENARIO_UNIT_MS;
  const bundle = pushScenario(PUSH_SEED, startMs, SCENARIO_UNIT_MS);
  const metricsPath = join(dir, 'scenario.om');
  await writeSeriesFile(metricsPath, simulateFleet(bundle.scenario).series);
  const prometheus = await startBackfilledPrometheus({ metricsPath, dir, probeQuery: 'count(http_server_request_duration_seconds_count)', probeAtMs: upgradeAtMs - 10 * SCENARIO_UNIT_MS });
  return { prometheus, upgrade: bundle.upgrade, upgradeAtMs, endMs: startMs + PUSH_SPAN_UNITS * SCENARIO_UNIT_MS };
}
