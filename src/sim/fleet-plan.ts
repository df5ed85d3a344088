/**
 * Resolves a scenario into per-instance plans: which service an instance serves, when its process
 * restarts, and which effects start on it when (from rollouts and timed effects).
 */
import type { FleetScenario, ServiceSpec, SimEffect } from './fleet-scenario.js';

/** An effect that becomes active on one instance at `startMs`. */
export interface EffectEvent {
  readonly startMs: number;
  readonly effect: SimEffect;
  /** The binary whose rollout starts it, or `timed` for a scenario-level timed effect. */
  readonly source: string;
}

export interface InstancePlan {
  readonly service: ServiceSpec;
  readonly instance: string;
  /** Process restarts (counter resets), ascending. */
  readonly resetsMs: readonly number[];
  /** Effects on this instance, ascending by start. */
  readonly effects: readonly EffectEvent[];
}

/** One binary's rollout on one instance. */
export interface RolloutEvent {
  readonly binary: string;
  readonly service: string;
  readonly instance: string;
  readonly from: string;
  readonly to: string;
  readonly atMs: number;
  readonly resetsCounters: boolean;
}

/** Every rollout of the scenario's upgrade, ascending by time then binary. */
export function rolloutEvents(scenario: FleetScenario): RolloutEvent[] {
  const serviceOf = instanceServices(scenario);
  const events: RolloutEvent[] = [];
  for (const binary of scenario.upgrade?.binaries ?? []) {
    const resetsCounters = binary.resetsCounters ?? scenario.restartAtRollout ?? true;
    for (const [instance, atMs] of Object.entries(binary.rolloutMs)) {
      const service = serviceOf.get(instance)?.name ?? '';
      events.push({ binary: binary.name, service, instance, from: binary.from, to: binary.to, atMs, resetsCounters });
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs || a.binary.localeCompare(b.binary) || a.instance.localeCompare(b.instance));
}

/** Map from instance name to the service it belongs to. */
export function instanceServices(scenario: FleetScenario): Map<string, ServiceSpec> {
  const map = new Map<string, ServiceSpec>();
  for (const service of scenario.services) for (const instance of service.instances) map.set(instance, service);
  return map;
}

/** Builds the plan of every instance, in scenario order. */
export function planInstances(scenario: FleetScenario): InstancePlan[] {
  const rollouts = rolloutEvents(scenario);
  const effects = effectEvents(scenario);
  return scenario.services.flatMap((service) =>
    service.instances.map((instance) => ({
      service,
      instance,
      resetsMs: rollouts.filter((r) => r.instance === instance && r.resetsCounters && r.from !== r.to).map((r) => r.atMs),
      effects: effects.get(instance) ?? [],
    })),
  );
}

/** Effect events per instance (rollout-bound and timed), sorted by start time. */
function effectEvents(scenario: FleetScenario): Map<string, EffectEvent[]> {
  const serviceOf = instanceServices(scenario);
  const byInstance = new Map<string, EffectEvent[]>();
  const add = (instance: string, event: EffectEvent): void => {
    if (serviceOf.get(instance)?.name !== event.effect.service) return;
    const list = byInstance.get(instance) ?? [];
    list.push(event);
    byInstance.set(instance, list);
  };
  for (const binary of scenario.upgrade?.binaries ?? []) {
    for (const [instance, startMs] of Object.entries(binary.rolloutMs)) {
      for (const effect of binary.effects ?? []) add(instance, { startMs, effect, source: binary.name });
    }
  }
  for (const timed of scenario.timedEffects ?? []) {
    const service = scenario.services.find((s) => s.name === timed.effect.service);
    for (const instance of timed.instances ?? service?.instances ?? []) add(instance, { startMs: timed.startMs, effect: timed.effect, source: 'timed' });
  }
  for (const list of byInstance.values()) list.sort((a, b) => a.startMs - b.startMs);
  return byInstance;
}

/** A 32-bit seed for one independent random stream of the simulation (FNV-1a of seed, purpose and key). */
export function streamSeed(seed: number, purpose: string, key: string): number {
  const text = `${seed}|${purpose}|${key}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
