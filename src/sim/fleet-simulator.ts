/**
 * The seeded fleet telemetry simulator: turns a {@link FleetScenario} into the cumulative counters a
 * Prometheus scrape would see (histograms, client request/retry counters, build info) plus the
 * ground truth (rollouts, restarts, effect starts). Counts are drawn per scrape interval (Poisson,
 * multinomial, binomial), never per request, so the cost does not grow with the request rate.
 */
import type { RawSeries } from '../series/model.js';
import { buildInfoSeries } from './build-info-series.js';
import { DEFAULT_LABEL_NAMES, DEFAULT_METRIC_NAMES, type FleetScenario, type LoadRamp, type SimEffect } from './fleet-scenario.js';
import { planInstances, rolloutEvents, type InstancePlan, type RolloutEvent } from './fleet-plan.js';
import { scrapeGrid } from './interval-walk.js';
import { simulateLatencyStream } from './latency-stream.js';
import { simulateRetryStream } from './retry-stream.js';
import { validateScenario } from './scenario-validation.js';
import { gridTimestamps, type StreamContext } from './stream-context.js';

/** An effect as it became active on one instance. */
export interface EffectTruth {
  readonly service: string;
  readonly instance: string;
  readonly startMs: number;
  /** The binary whose rollout started it, or `timed`. */
  readonly source: string;
  readonly effect: SimEffect;
}

/** What really happened in a simulation, for tests and the demo. */
export interface FleetTruth {
  readonly scrapeTimesMs: Float64Array;
  /** Every rollout (binary × instance), ascending by time. */
  readonly rollouts: readonly RolloutEvent[];
  /** Process restarts: every series of the instance restarts from 0 at `atMs`. */
  readonly counterResets: ReadonlyArray<{ readonly service: string; readonly instance: string; readonly atMs: number }>;
  /** Effect starts, ascending by time. */
  readonly effects: readonly EffectTruth[];
  readonly loadRamps: readonly LoadRamp[];
}

export interface SimulatedFleet {
  readonly series: RawSeries[];
  readonly truth: FleetTruth;
}

/**
 * Simulates `scenario` (validated first; throws InvalidScenarioError naming the bad field).
 * Deterministic: the same scenario (seed included) always yields identical series, and every
 * stream (instance × endpoint or peer) has its own random streams, so changing one effect leaves
 * the other streams, and the hidden processes of its own stream, unchanged.
 */
export function simulateFleet(scenario: FleetScenario): SimulatedFleet {
  validateScenario(scenario);
  const grid = scrapeGrid(scenario.startMs, scenario.endMs, scenario.scrapeIntervalMs);
  const ctx: StreamContext = {
    grid,
    seed: scenario.seed,
    loadRamps: scenario.loadRamps ?? [],
    labelNames: { ...DEFAULT_LABEL_NAMES, ...scenario.labelNames },
    metricNames: { ...DEFAULT_METRIC_NAMES, ...scenario.metricNames },
    timestampsMs: gridTimestamps(grid),
  };
  const plans = planInstances(scenario);
  const series: RawSeries[] = [];
  for (const plan of plans) {
    for (const endpoint of plan.service.endpoints) series.push(...simulateLatencyStream(ctx, plan, endpoint));
    for (const peer of plan.service.peers ?? []) series.push(...simulateRetryStream(ctx, plan, peer));
  }
  series.push(...buildInfoSeries(ctx, scenario, plans));
  return { series, truth: buildTruth(scenario, ctx, plans) };
}

function buildTruth(scenario: FleetScenario, ctx: StreamContext, plans: readonly InstancePlan[]): FleetTruth {
  const counterResets = plans.flatMap((plan) =>
    [...new Set(plan.resetsMs)].map((atMs) => ({ service: plan.service.name, instance: plan.instance, atMs })),
  );
  const effects = plans.flatMap((plan) =>
    plan.effects.map((e) => ({ service: plan.service.name, instance: plan.instance, startMs: e.startMs, source: e.source, effect: e.effect })),
  );
  return {
    scrapeTimesMs: ctx.timestampsMs.slice(),
    rollouts: rolloutEvents(scenario),
    counterResets: counterResets.sort((a, b) => a.atMs - b.atMs),
    effects: effects.sort((a, b) => a.startMs - b.startMs),
    loadRamps: ctx.loadRamps,
  };
}
