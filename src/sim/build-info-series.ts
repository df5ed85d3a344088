/**
 * The build-info gauge: `<buildInfo>{binary, version, service, instance} 1` for the version each
 * instance runs at each scrape; the series of the new version starts at the instance's rollout.
 */
import type { RawSeries } from '../series/model.js';
import type { FleetScenario, SimBinary } from './fleet-scenario.js';
import type { InstancePlan } from './fleet-plan.js';
import { makeSeries, instanceLabels, type StreamContext } from './stream-context.js';

/** One gauge series per (binary, instance, version) with at least one scrape running that version. */
export function buildInfoSeries(ctx: StreamContext, scenario: FleetScenario, plans: readonly InstancePlan[]): RawSeries[] {
  const planOf = new Map(plans.map((p) => [p.instance, p]));
  const series: RawSeries[] = [];
  for (const binary of scenario.upgrade?.binaries ?? []) {
    for (const instance of binary.instances) {
      const plan = planOf.get(instance);
      if (plan !== undefined) series.push(...binarySeries(ctx, plan, binary));
    }
  }
  return series;
}

function binarySeries(ctx: StreamContext, plan: InstancePlan, binary: SimBinary): RawSeries[] {
  const rolloutMs = binary.from === binary.to ? undefined : binary.rolloutMs[plan.instance];
  const times = ctx.timestampsMs;
  let split = times.length;
  if (rolloutMs !== undefined) {
    split = times.findIndex((t) => t >= rolloutMs);
    if (split < 0) split = times.length;
  }
  const parts: Array<{ version: string; from: number; to: number }> = [
    { version: binary.from, from: 0, to: split },
    { version: binary.to, from: split, to: times.length },
  ];
  const base = instanceLabels(ctx, plan);
  return parts
    .filter((part) => part.to > part.from)
    .map((part) => {
      const labels = {
        [ctx.labelNames.binary]: binary.name,
        [ctx.labelNames.version]: part.version,
        ...base,
      };
      const values = new Float64Array(part.to - part.from).fill(1);
      return makeSeries(ctx, plan, ctx.metricNames.buildInfo, labels, values, times.slice(part.from, part.to));
    });
}
