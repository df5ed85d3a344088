/**
 * The domain model of an upgrade: what changed, where and when. Times are epoch ms; wire details
 * (RFC 3339 strings, optional-vs-null) are resolved by {@link toUpgrade}.
 */
import type { z } from 'zod';
import { parseRfc3339Ms } from './rfc3339.js';
import type { upgradeJsonSchema } from './upgrade-schema.js';

/** A configuration value as carried by upgrade descriptions. */
export type ConfigValue = string | number | boolean | null;

/**
 * How a binary changed: `updated` (from ≠ to), `added` (from: null), `removed` (to: null), `unchanged`
 * (from == to), `rebuilt` (same version marked `changed: true`, e.g. a different sha256) or `unspecified`
 * (from or to not given; counted as changed, since the upgrade lists it).
 */
export type BinaryChange = 'updated' | 'added' | 'removed' | 'unchanged' | 'rebuilt' | 'unspecified';

/** One explicit per-instance rollout time. */
export interface RolloutStep {
  readonly instance: string;
  /** Unix epoch ms at which the instance ran the new version. */
  readonly atMs: number;
}

/** One binary of an upgrade. */
export interface UpgradeBinary {
  readonly name: string;
  /** Version before the upgrade; null when added or not given. */
  readonly from: string | null;
  /** Version after the upgrade; null when removed or not given. */
  readonly to: string | null;
  /** Whether the binary changed (`from !== to`, unless `changed` was given explicitly). */
  readonly changed: boolean;
  readonly change: BinaryChange;
  readonly sha256?: string;
  readonly fromSha256?: string;
  /** `service` label values this binary serves, when the description says so. */
  readonly services?: readonly string[];
  /** Instances the binary runs on, when the description says so (extension written by `upgrade diff`). */
  readonly instances?: readonly string[];
  /** Explicit per-instance rollout times, when given. */
  readonly rollout?: readonly RolloutStep[];
  readonly notes: readonly string[];
}

/** One configuration change; `renamedFrom`/`replacedBy` link the two halves of a key rename. */
export interface ConfigChange {
  readonly key: string;
  readonly from: ConfigValue;
  readonly to: ConfigValue;
  readonly renamedFrom?: string;
  readonly replacedBy?: string;
}

/** A feature flag shipped with a binary of the upgrade. */
export interface FlagRef {
  readonly name: string;
  readonly binary?: string;
}

/** A validated upgrade description. */
export interface Upgrade {
  readonly id: string;
  readonly package?: string;
  /** Unix epoch ms at which the upgrade started. */
  readonly startedAtMs: number;
  /** Unix epoch ms at which it finished, when known. */
  readonly finishedAtMs?: number;
  readonly binaries: readonly UpgradeBinary[];
  readonly configChanges: readonly ConfigChange[];
  readonly flags: readonly FlagRef[];
  readonly notes: readonly string[];
  /** Problems that did not prevent loading (unknown keys, flags naming unknown binaries), one line each. */
  readonly warnings: readonly string[];
}

type UpgradeWire = z.output<typeof upgradeJsonSchema>;
type BinaryWire = UpgradeWire['binaries'][number];

/**
 * Maps a validated wire value to the domain model. `sourceName` prefixes the warnings raised here.
 * Assumes {@link upgradeJsonSchema} accepted the value (timestamps are valid).
 */
export function toUpgrade(wire: UpgradeWire, sourceName: string, warnings: readonly string[] = []): Upgrade {
  const binaryNames = new Set(wire.binaries.map((binary) => binary.name));
  const flagWarnings = (wire.flags ?? []).flatMap((flag, index) =>
    flag.binary === undefined || binaryNames.has(flag.binary)
      ? []
      : [`${sourceName}: flags[${index}].binary: ${JSON.stringify(flag.binary)} is not among the binaries of the upgrade`],
  );
  const finishedAtMs = wire.finishedAt === null || wire.finishedAt === undefined ? undefined : timeMs(wire.finishedAt);
  return {
    id: wire.id,
    ...(wire.package === undefined ? {} : { package: wire.package }),
    startedAtMs: timeMs(wire.startedAt),
    ...(finishedAtMs === undefined ? {} : { finishedAtMs }),
    binaries: wire.binaries.map(toBinary),
    configChanges: (wire.configChanges ?? []).map((change) => ({ ...change, from: change.from ?? null, to: change.to ?? null })),
    flags: wire.flags ?? [],
    notes: wire.notes ?? [],
    warnings: [...warnings, ...flagWarnings],
  };
}

/** Classifies a binary's change from its wire fields (see {@link BinaryChange}). */
export function binaryChangeOf(binary: Pick<BinaryWire, 'from' | 'to' | 'changed'>): BinaryChange {
  const { from, to } = binary;
  if (from === undefined || to === undefined) return binary.changed === false ? 'unchanged' : 'unspecified';
  if (from === null) return 'added';
  if (to === null) return 'removed';
  if (from !== to) return 'updated';
  return binary.changed === true ? 'rebuilt' : 'unchanged';
}

function toBinary(binary: BinaryWire): UpgradeBinary {
  const change = binaryChangeOf(binary);
  const { name, sha256, fromSha256, services, instances, rollout } = binary;
  return {
    name,
    from: binary.from ?? null,
    to: binary.to ?? null,
    changed: change !== 'unchanged',
    change,
    ...(sha256 === undefined ? {} : { sha256: sha256.toLowerCase() }),
    ...(fromSha256 === undefined ? {} : { fromSha256: fromSha256.toLowerCase() }),
    ...(services === undefined ? {} : { services }),
    ...(instances === undefined ? {} : { instances }),
    ...(rollout === undefined ? {} : { rollout: rollout.map((step) => ({ instance: step.instance, atMs: timeMs(step.at) })) }),
    notes: binary.notes ?? [],
  };
}

function timeMs(text: string): number {
  const ms = parseRfc3339Ms(text);
  if (ms === undefined) throw new RangeError(`not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  return ms;
}
