/** Queries over a resolved {@link RolloutPlan}, for detection and attribution. */
import type { ResolvedBinary, RolloutPlan } from './resolve-rollout.js';

/**
 * When `instance` started running the new version of `binary`, in epoch ms: the resolved time for
 * `manifest`/`build-info` plans (undefined when that instance was not upgraded), `startedAtMs` for
 * `startedAt` plans. Undefined for unchanged binaries.
 */
export function rolloutTimeMs(binary: ResolvedBinary, instance: string, startedAtMs: number): number | undefined {
  if (!binary.changed) return undefined;
  if (binary.rolloutSource === 'startedAt') return startedAtMs;
  return binary.rolloutAtMs.get(instance);
}

/** The resolved binary named `name`, if the upgrade lists it. */
export function binaryNamed(plan: RolloutPlan, name: string): ResolvedBinary | undefined {
  return plan.binaries.find((binary) => binary.name === name);
}

/** Instances a binary is known to run on (empty when unknown). */
export function instancesOfBinary(plan: RolloutPlan, name: string): readonly string[] {
  return binaryNamed(plan, name)?.instances ?? [];
}

/**
 * Changed binaries that may run on `instance`: those known to run there, plus those whose instances are
 * unknown (they cannot be ruled out).
 */
export function changedBinariesOnInstance(plan: RolloutPlan, instance: string): ResolvedBinary[] {
  return plan.binaries.filter((binary) => binary.changed && (binary.instances.length === 0 || binary.instances.includes(instance)));
}

/**
 * Changed binaries that may serve `service`: those whose services include it, plus those whose services are
 * unknown (they cannot be ruled out).
 */
export function changedBinariesOfService(plan: RolloutPlan, service: string): ResolvedBinary[] {
  return plan.binaries.filter((binary) => binary.changed && (binary.services.length === 0 || binary.services.includes(service)));
}
