/**
 * The `upgrade.json` (contract §4) that matches a simulated upgrade, so the demo, tests and
 * benchmarks feed shiftguard exactly what the simulator did.
 */
import { createHash } from 'node:crypto';
import type { FleetScenario, SimUpgrade } from './fleet-scenario.js';
import { instanceServices } from './fleet-plan.js';

/** Contract §4 `upgrade.json` as a plain object. */
export interface UpgradeDescription {
  readonly id: string;
  readonly package?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly binaries: ReadonlyArray<{
    readonly name: string;
    readonly from: string;
    readonly to: string;
    readonly sha256?: string;
    readonly services?: readonly string[];
    readonly rollout?: ReadonlyArray<{ readonly instance: string; readonly at: string }>;
  }>;
  readonly configChanges?: ReadonlyArray<{ readonly key: string; readonly from: string | null; readonly to: string | null }>;
  readonly flags?: ReadonlyArray<{ readonly name: string; readonly binary: string }>;
}

/** A scenario together with its upgrade.json. */
export interface ScenarioBundle {
  readonly scenario: FleetScenario;
  readonly upgrade: UpgradeDescription;
}

export interface UpgradeMeta {
  readonly id: string;
  readonly package?: string;
  readonly configChanges?: UpgradeDescription['configChanges'];
  readonly flags?: UpgradeDescription['flags'];
  /** Leave `rollout` out of every binary (shiftguard then derives it from build info); default false. */
  readonly omitRollout?: boolean;
}

/** ISO-8601 UTC without milliseconds when they are zero (`2026-04-10T12:05:00Z`). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A stable placeholder digest for a binary version (sha256 of `name@version`). */
export function fakeSha256(name: string, version: string): string {
  return createHash('sha256').update(`${name}@${version}`).digest('hex');
}

/** Builds the upgrade.json of `scenario.upgrade`: services from the instances each binary runs on. */
export function describeUpgrade(scenario: FleetScenario, meta: UpgradeMeta): UpgradeDescription {
  const upgrade: SimUpgrade | undefined = scenario.upgrade;
  if (upgrade === undefined) throw new Error('describeUpgrade: scenario.upgrade is missing');
  const serviceOf = instanceServices(scenario);
  const binaries = upgrade.binaries.map((binary) => {
    const services = [...new Set(binary.instances.map((i) => serviceOf.get(i)?.name ?? ''))].filter((s) => s !== '');
    const rollout = Object.entries(binary.rolloutMs)
      .sort(([, a], [, b]) => a - b)
      .map(([instance, at]) => ({ instance, at: isoTime(at) }));
    return {
      name: binary.name,
      from: binary.from,
      to: binary.to,
      sha256: binary.sha256 ?? fakeSha256(binary.name, binary.to),
      services,
      ...(meta.omitRollout === true || binary.from === binary.to ? {} : { rollout }),
    };
  });
  return {
    id: meta.id,
    ...(meta.package === undefined ? {} : { package: meta.package }),
    startedAt: isoTime(upgrade.startedAtMs),
    ...(upgrade.finishedAtMs === undefined ? {} : { finishedAt: isoTime(upgrade.finishedAtMs) }),
    binaries,
    configChanges: meta.configChanges ?? [],
    flags: meta.flags ?? [],
  };
}
