/** What every per-stream simulation shares: grid, seed, ramps, names; plus series helpers. */
import type { Labels, RawSeries } from '../series/model.js';
import type { LabelNames, LoadRamp, MetricNames } from './fleet-scenario.js';
import type { EffectEvent, InstancePlan } from './fleet-plan.js';
import { scrapeTimeMs, type ScrapeGrid } from './interval-walk.js';

export interface StreamContext {
  readonly grid: ScrapeGrid;
  readonly seed: number;
  readonly loadRamps: readonly LoadRamp[];
  readonly labelNames: LabelNames;
  readonly metricNames: MetricNames;
  /** Scrape times of the grid (copied into each series). */
  readonly timestampsMs: Float64Array;
}

/** Scrape times of `grid` as a typed array. */
export function gridTimestamps(grid: ScrapeGrid): Float64Array {
  const out = new Float64Array(grid.count);
  for (let k = 0; k < grid.count; k++) out[k] = scrapeTimeMs(grid, k);
  return out;
}

/** Labels every series of an instance carries: service, instance, then the service's extra labels. */
export function instanceLabels(ctx: StreamContext, plan: InstancePlan): Record<string, string> {
  return {
    [ctx.labelNames.service]: plan.service.name,
    [ctx.labelNames.instance]: plan.instance,
    ...plan.service.extraLabels,
  };
}

/** A RawSeries with origin `sim:<service>` and, by default, its own copy of the grid's timestamps. */
export function makeSeries(
  ctx: StreamContext,
  plan: InstancePlan,
  name: string,
  labels: Labels,
  values: Float64Array,
  timestampsMs: Float64Array = ctx.timestampsMs.slice(),
): RawSeries {
  return { name, labels, timestampsMs, values, origin: `sim:${plan.service.name}` };
}

/** Sorted distinct change points of a stream: restarts and effect starts. */
export function changePoints(resetsMs: readonly number[], events: readonly EffectEvent[]): number[] {
  const points = new Set<number>(resetsMs);
  for (const event of events) points.add(event.startMs);
  return [...points].sort((a, b) => a - b);
}
