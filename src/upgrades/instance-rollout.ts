/**
 * When did one instance start running the new version? Derived from its build-info samples (CONTRACT §4):
 * the first sample showing `to` after a sample showing another version, or, when the instance never showed
 * another version before, the first sample at/after `startedAt` showing `to`.
 */
import type { VersionSample } from './build-info-history.js';

/** What build-info says about one instance's rollout. */
export type InstanceRollout =
  | {
      readonly kind: 'upgraded';
      /** Unix epoch ms of the first sample showing the new version. */
      readonly atMs: number;
      /** True when that is more than the tolerance before `startedAt`: the instance was upgraded earlier. */
      readonly early: boolean;
      /** Set when the instance's last samples show another version again (a rollback): when and which. */
      readonly rollback?: { readonly atMs: number; readonly version: string };
    }
  | { readonly kind: 'not-upgraded'; readonly lastVersion: string };

/**
 * Finds the rollout time of one instance. Among several switches to `toVersion` the first one at or after
 * `startedAtMs − toleranceMs` wins; if all are earlier, the last one (the instance was upgraded early).
 * @param samples time-ordered samples of one instance (non-empty).
 * @param toleranceMs how far before `startedAtMs` a switch still belongs to this upgrade (one slice).
 */
export function detectInstanceRollout(
  samples: readonly VersionSample[],
  toVersion: string,
  startedAtMs: number,
  toleranceMs: number,
): InstanceRollout {
  const firstNew = samples.find((sample) => sample.version === toVersion);
  if (firstNew === undefined) return { kind: 'not-upgraded', lastVersion: samples[samples.length - 1]?.version ?? '' };
  const earliestMs = startedAtMs - toleranceMs;
  const switches = switchTimesMs(samples, toVersion);
  let atMs: number;
  if (switches.length > 0) {
    atMs = switches.find((tMs) => tMs >= earliestMs) ?? switches[switches.length - 1] ?? firstNew.tMs;
  } else if (firstNew.tMs >= earliestMs) {
    atMs = samples.find((s) => s.version === toVersion && s.tMs >= startedAtMs)?.tMs ?? firstNew.tMs;
  } else {
    atMs = firstNew.tMs;
  }
  const rollback = rollbackAfter(samples, toVersion);
  return {
    kind: 'upgraded',
    atMs,
    early: atMs < earliestMs,
    ...(rollback === undefined ? {} : { rollback: { atMs: rollback.tMs, version: rollback.version } }),
  };
}

/** Times of samples showing `toVersion` right after a sample showing another version. */
function switchTimesMs(samples: readonly VersionSample[], toVersion: string): number[] {
  const times: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1];
    const current = samples[i];
    if (current?.version === toVersion && previous !== undefined && previous.version !== toVersion) times.push(current.tMs);
  }
  return times;
}

/** The first sample after the last one showing `toVersion`, when the instance ends on another version. */
function rollbackAfter(samples: readonly VersionSample[], toVersion: string): VersionSample | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined || last.version === toVersion) return undefined;
  const lastNewIndex = samples.map((sample) => sample.version).lastIndexOf(toVersion);
  return samples[lastNewIndex + 1];
}
