/**
 * Resolves, per binary of an upgrade, where it runs, which services it serves and when each instance was
 * upgraded (CONTRACT §4): explicit `rollout` wins; else the build-info gauge; else every instance counts
 * as upgraded at `startedAt`. Everything surprising becomes a warning naming the binary and instance.
 */
import type { RawSeries } from '../series/model.js';
import { formatRfc3339 } from './rfc3339.js';
import { buildInfoHistory, compareText } from './build-info-history.js';
import type { BinaryHistory } from './build-info-history.js';
import { detectInstanceRollout } from './instance-rollout.js';
import type { Upgrade, UpgradeBinary } from './upgrade.js';

/** Where a binary's services came from. */
export type ServicesSource = 'manifest' | 'build-info' | 'none';
/** Where a binary's rollout times came from; `startedAt` means "every instance at `upgrade.startedAtMs`". */
export type RolloutSource = 'manifest' | 'build-info' | 'startedAt';

/** One binary with its resolved services, instances and per-instance rollout times. */
export interface ResolvedBinary {
  readonly name: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly changed: boolean;
  readonly sha256?: string;
  readonly services: string[];
  readonly servicesSource: ServicesSource;
  /**
   * Instance → epoch ms at which it ran the new version. Only upgraded instances appear; an instance in
   * `instances` but not here was not upgraded (a natural control). Empty when `rolloutSource` is
   * `startedAt` (use `upgrade.startedAtMs` for every instance) and for unchanged binaries.
   */
  readonly rolloutAtMs: Map<string, number>;
  readonly rolloutSource: RolloutSource;
  /** Where it runs (rollout and build-info instances, else the upgrade's `instances`), naturally sorted; empty = unknown. */
  readonly instances: string[];
}

/** The resolved rollout of a whole upgrade. */
export interface RolloutPlan {
  readonly binaries: ResolvedBinary[];
  readonly warnings: string[];
}

/** What {@link resolveRollout} reads besides the upgrade. */
export interface RolloutInput {
  /** Build-info series (others are ignored), as read from files or Prometheus. */
  readonly buildInfo: readonly RawSeries[];
  /** The `buildInfo` configuration; null when disabled. */
  readonly buildInfoConfig: { readonly metric: string; readonly binaryLabel: string; readonly versionLabel: string } | null;
  readonly instanceLabel: string;
  readonly serviceLabel: string;
  /** Instances that have metric series; rollout instances outside it are warned about. */
  readonly knownInstances: ReadonlySet<string>;
  /**
   * Extension: a build-info switch up to this long before `startedAt` still belongs to the upgrade
   * (one detection slice, default 60 000 ms); earlier means the instance was upgraded earlier.
   */
  readonly sliceMs?: number;
  /**
   * Extension: service label values per instance seen in the metrics (see `instanceServicesOf`), used to
   * tie a binary to services when its build-info series carry no service label.
   */
  readonly instanceServices?: ReadonlyMap<string, ReadonlySet<string>>;
}

const DEFAULT_SLICE_MS = 60_000;

/** Resolves services, instances and rollout times of every binary of `upgrade`; never throws on data. */
export function resolveRollout(upgrade: Upgrade, input: RolloutInput): RolloutPlan {
  const config = input.buildInfoConfig;
  const history =
    config === null
      ? new Map<string, BinaryHistory>()
      : buildInfoHistory(input.buildInfo, { ...config, instanceLabel: input.instanceLabel, serviceLabel: input.serviceLabel });
  const warnings: string[] = [];
  const binaries = upgrade.binaries.map((binary) => {
    const binaryHistory = history.get(binary.name);
    warnings.push(...unexpectedVersionWarnings(binary, binaryHistory));
    const times = resolveTimes(binary, binaryHistory, upgrade.startedAtMs, input, warnings);
    const { services, servicesSource } = resolveServices(binary, binaryHistory, times.instances, input.instanceServices);
    return {
      name: binary.name,
      from: binary.from,
      to: binary.to,
      changed: binary.changed,
      ...(binary.sha256 === undefined ? {} : { sha256: binary.sha256 }),
      services,
      servicesSource,
      ...times,
    };
  });
  return { binaries, warnings };
}

type Times = Pick<ResolvedBinary, 'rolloutAtMs' | 'rolloutSource' | 'instances'>;

function resolveTimes(binary: UpgradeBinary, history: BinaryHistory | undefined, startedAtMs: number, input: RolloutInput, warnings: string[]): Times {
  const historyInstances = history === undefined ? [] : [...history.samplesByInstance.keys()];
  if (binary.rollout !== undefined) {
    for (const step of binary.rollout) {
      if (!input.knownInstances.has(step.instance)) warnings.push(`instance ${step.instance} in rollout of ${binary.name} has no series`);
    }
    const rolloutAtMs = new Map(binary.rollout.map((step) => [step.instance, step.atMs]));
    return { rolloutAtMs, rolloutSource: 'manifest', instances: sortedUnique([...rolloutAtMs.keys(), ...historyInstances]) };
  }
  const fallback: Times = { rolloutAtMs: new Map(), rolloutSource: 'startedAt', instances: sortedUnique(historyInstances.length > 0 ? historyInstances : (binary.instances ?? [])) };
  if (history === undefined) {
    if (binary.changed) warnings.push(noRolloutInfoWarning(binary, input, startedAtMs));
    return fallback;
  }
  if (!binary.changed || binary.to === null) return fallback;
  const rolloutAtMs = buildInfoTimes(binary.name, binary.to, history, startedAtMs, input.sliceMs ?? DEFAULT_SLICE_MS, warnings);
  if (rolloutAtMs.size === 0) {
    warnings.push(`build-info never shows ${binary.name} ${binary.to} on any instance; every instance counts as upgraded at startedAt (${formatRfc3339(startedAtMs)})`);
    return fallback;
  }
  return { rolloutAtMs, rolloutSource: 'build-info', instances: fallback.instances };
}

function buildInfoTimes(name: string, to: string, history: BinaryHistory, startedAtMs: number, sliceMs: number, warnings: string[]): Map<string, number> {
  const rolloutAtMs = new Map<string, number>();
  for (const instance of sortedUnique([...history.samplesByInstance.keys()])) {
    const result = detectInstanceRollout(history.samplesByInstance.get(instance) ?? [], to, startedAtMs, sliceMs);
    if (result.kind === 'not-upgraded') {
      warnings.push(`instance ${instance} still runs ${name} ${result.lastVersion}; it never showed ${to}`);
      continue;
    }
    rolloutAtMs.set(instance, result.atMs);
    if (result.early) {
      warnings.push(`instance ${instance} already ran ${name} ${to} at ${formatRfc3339(result.atMs)}, before the upgrade started (${formatRfc3339(startedAtMs)}): it was upgraded earlier and has no baseline for this upgrade`);
    }
    if (result.rollback !== undefined) {
      warnings.push(`instance ${instance} went back from ${name} ${to} to ${result.rollback.version} at ${formatRfc3339(result.rollback.atMs)}`);
    }
  }
  return rolloutAtMs;
}

function resolveServices(
  binary: UpgradeBinary,
  history: BinaryHistory | undefined,
  instances: readonly string[],
  instanceServices: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): Pick<ResolvedBinary, 'services' | 'servicesSource'> {
  if (binary.services !== undefined) return { services: [...binary.services], servicesSource: 'manifest' };
  if (history === undefined) return { services: [], servicesSource: 'none' };
  const direct = [...history.services];
  const viaInstances = direct.length > 0 ? [] : instances.flatMap((instance) => [...(instanceServices?.get(instance) ?? [])]);
  const services = sortedUnique([...direct, ...viaInstances]);
  return { services, servicesSource: services.length > 0 ? 'build-info' : 'none' };
}

function unexpectedVersionWarnings(binary: UpgradeBinary, history: BinaryHistory | undefined): string[] {
  if (history === undefined) return [];
  const instancesByVersion = new Map<string, Set<string>>();
  for (const [instance, samples] of history.samplesByInstance) {
    for (const { version } of samples) {
      if (version === binary.from || version === binary.to) continue;
      const set = instancesByVersion.get(version) ?? new Set<string>();
      instancesByVersion.set(version, set.add(instance));
    }
  }
  return [...instancesByVersion.keys()].sort(compareText).map((version) => {
    const on = sortedUnique([...(instancesByVersion.get(version) ?? [])]).join(', ');
    return `build-info shows ${binary.name} ${version} on ${on}, which is neither from (${binary.from ?? 'none'}) nor to (${binary.to ?? 'none'})`;
  });
}

function noRolloutInfoWarning(binary: UpgradeBinary, input: RolloutInput, startedAtMs: number): string {
  const buildInfo = input.buildInfoConfig === null ? 'build-info is not configured' : `there are no ${input.buildInfoConfig.metric} series for it`;
  return `${binary.name} has no rollout times in the upgrade and ${buildInfo}; every instance counts as upgraded at startedAt (${formatRfc3339(startedAtMs)})`;
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareText);
}
