/**
 * Shared harness of the statistical validation suites: simulate a seeded scenario, analyse it
 * with the real engine (the same code path as `analyze`), and summarise rates with their
 * binomial sampling error.
 */
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import type { ScenarioBundle } from '../../src/sim/upgrade-description.js';
import type { FleetScenario } from '../../src/sim/fleet-scenario.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import { runAnalysis } from '../../src/analysis/run-analysis.js';
import { createMemoryMetricsSource } from '../../src/analysis/memory-metrics-source.js';
import type { Report, ReportGroup } from '../../src/report/report.js';

/** Analyses one simulated scenario. */
export async function analyseScenario(bundle: ScenarioBundle, config: ShiftguardConfig = defaultConfig()): Promise<Report> {
  const fleet = simulateFleet(bundle.scenario);
  return runAnalysis({
    config,
    upgrade: validateUpgrade(bundle.upgrade, `${bundle.upgrade.id}.json`),
    source: createMemoryMetricsSource(fleet.series),
    now: () => new Date('2026-04-10T15:00:00Z'),
  });
}

/** The same scenario with every upgrade effect removed (a null upgrade with identical traffic). */
export function withoutEffects(bundle: ScenarioBundle): ScenarioBundle {
  const upgrade = bundle.scenario.upgrade;
  if (upgrade === undefined) return bundle;
  const scenario: FleetScenario = { ...bundle.scenario, upgrade: { ...upgrade, binaries: upgrade.binaries.map((b) => ({ ...b, effects: [] })) } };
  return { ...bundle, scenario };
}

/** The group of `signal` (first one when several). */
export function groupOf(report: Report, signal: string): ReportGroup {
  const group = report.groups.find((g) => g.signal === signal);
  if (group === undefined) throw new Error(`no ${signal} group in report ${report.upgrade}`);
  return group;
}

/** Upper end of a one-sided 99.9 % normal bound on a rate p estimated from n trials. */
export function samplingAllowance(p: number, n: number): number {
  return p + 3.09 * Math.sqrt((p * (1 - p)) / n);
}

/** A config with some fields replaced (validated like a file would be). */
export function configWith(patch: (c: ShiftguardConfig) => ShiftguardConfig): ShiftguardConfig {
  return patch(defaultConfig());
}

/** Prints a figure the validation computed, so CI logs show the measured rates. */
export function figure(name: string, value: string): void {
  process.stderr.write(`[validation] ${name}: ${value}\n`);
}

/** What monitoring one scenario slice by slice found. */
export interface MonitoredScenario {
  /** Looks taken (one per slice of the after window). */
  readonly looks: number;
  /** Look (1-based) at which a regression was first raised, or null. */
  readonly firstRegressionLook: number | null;
  /** Signals (with labels) raised as regressions at any look. */
  readonly raised: readonly string[];
  /** The report of the last look. */
  readonly last: Report;
}

/**
 * Monitors one simulated scenario as the service does: the sequential analysis as of the end of
 * every slice of the after window, from its first slice to its last.
 */
export async function monitorScenario(
  bundle: ScenarioBundle,
  config: ShiftguardConfig = defaultConfig(),
  onLook: (report: Report, look: number) => void = () => undefined,
): Promise<MonitoredScenario> {
  const fleet = simulateFleet(bundle.scenario);
  const upgrade = validateUpgrade(bundle.upgrade, `${bundle.upgrade.id}.json`);
  const source = createMemoryMetricsSource(fleet.series);
  const look = (asOfMs: number): Promise<Report> => runAnalysis({ config, upgrade, source, asOfMs, mode: 'sequential', now: () => new Date(asOfMs) });
  const first = await look(upgrade.startedAtMs);
  const startMs = Date.parse(first.windows.after.start);
  const endMs = Date.parse(first.windows.after.end);
  const slice = config.windows.sliceMs;
  let looks = 0;
  let firstRegressionLook: number | null = null;
  const raised = new Set<string>();
  let last = first;
  for (let t = Math.ceil((startMs + slice) / slice) * slice; t <= endMs; t += slice) {
    looks++;
    last = await look(t);
    onLook(last, looks);
    for (const g of last.groups) {
      if (g.verdict !== 'regression') continue;
      raised.add(`${g.signal}${JSON.stringify(g.labels)}`);
      firstRegressionLook ??= looks;
    }
  }
  return { looks, firstRegressionLook, raised: [...raised], last };
}
