/**
 * Ties a group to the changed binaries that may explain it, and derives each instance's rollout
 * (earliest and latest changed-binary rollout) for the window assignment.
 */
import type { Candidate } from '../attribute/attribute-shift.js';
import type { InstanceRollout } from '../detect/windows.js';
import type { ResolvedBinary, RolloutPlan } from '../upgrades/resolve-rollout.js';

/** The candidates and per-instance rollouts of one group. */
export interface GroupRollout {
  readonly candidates: Candidate[];
  readonly rollouts: InstanceRollout[];
}

/**
 * A changed binary is tied to a group when it serves the group's service (`services` or
 * build-info) or runs on one of the group's instances. When none is, every changed binary is
 * considered, each as rolled out at `startedAtMs` on every instance (CONTRACT §4's default).
 */
export function groupRollout(plan: RolloutPlan, service: string | undefined, instances: readonly string[], startedAtMs: number): GroupRollout {
  const changed = plan.binaries.filter((b) => b.changed);
  let tied = changed.filter((b) => serves(b, service, instances));
  const untied = tied.length === 0;
  if (untied) tied = changed;
  const candidates = tied.map((b) => candidateOf(b, instances, startedAtMs, untied, service));
  const rollouts = instances.map((instance) => {
    const times = candidates.map((c) => c.rolloutAtMs.get(instance)).filter((t): t is number => t !== undefined);
    return {
      instance,
      fromMs: times.length > 0 ? Math.min(...times) : null,
      toMs: times.length > 0 ? Math.max(...times) : null,
    };
  });
  return { candidates, rollouts };
}

function serves(b: ResolvedBinary, service: string | undefined, instances: readonly string[]): boolean {
  if (service !== undefined && b.services.includes(service)) return true;
  return instances.some((i) => b.rolloutAtMs.has(i) || b.instances.includes(i));
}

function candidateOf(b: ResolvedBinary, instances: readonly string[], startedAtMs: number, untied: boolean, service: string | undefined): Candidate {
  const rolloutAtMs = new Map<string, number>();
  for (const instance of instances) {
    const at = b.rolloutAtMs.get(instance);
    if (at !== undefined) rolloutAtMs.set(instance, at);
    else if (b.rolloutSource === 'startedAt' || untied) rolloutAtMs.set(instance, startedAtMs);
  }
  const notes: string[] = [];
  if (untied) notes.push(`no changed binary is tied to ${service !== undefined ? `service ${service}` : 'these instances'}; all changed binaries were considered`);
  if (b.rolloutSource === 'startedAt' && !untied) notes.push(`no per-instance rollout times for ${b.name}: every instance counted as upgraded when the upgrade started`);
  if (b.rolloutSource === 'build-info') notes.push(`rollout times of ${b.name} read from build-info`);
  return { binary: b.name, from: b.from, to: b.to, rolloutAtMs, notes };
}
