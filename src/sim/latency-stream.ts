/**
 * One latency histogram stream (instance × endpoint): per piece of scrape interval, a Poisson count
 * of requests spread over the buckets by a multinomial draw from the slice's lognormal mixture.
 */
import { createRng, type Rng } from '../detect/random.js';
import type { RawSeries } from '../series/model.js';
import { multinomialInto, normal, poisson } from './distributions.js';
import { DEFAULT_BUCKETS_SECONDS, type EndpointSpec, type LatencyEffect } from './fleet-scenario.js';
import { streamSeed, type EffectEvent, type InstancePlan } from './fleet-plan.js';
import { walkIntervals, type IntervalVisitor } from './interval-walk.js';
import { BASE_MIXTURE, fillCellProbabilities, withTail, type MixtureComponent } from './latency-mixture.js';
import { burstProcess, diurnalMultiplier, gaussianAr1, loadMultiplier, phiForInterval, type SteppedProcess } from './latent-processes.js';
import { changePoints, instanceLabels, makeSeries, type StreamContext } from './stream-context.js';

/** Active latency effects of one stream, advanced monotonically in time. */
class LatencyEffectState {
  logShift = 0;
  components: readonly MixtureComponent[] = BASE_MIXTURE;
  private next = 0;

  constructor(private readonly events: readonly EffectEvent[]) {}

  advanceTo(tMs: number): void {
    while (this.next < this.events.length && (this.events[this.next]?.startMs ?? Infinity) <= tMs) {
      const effect = this.events[this.next]?.effect as LatencyEffect;
      this.logShift += Math.log(effect.scale ?? 1);
      if (effect.tail !== undefined) this.components = withTail(this.components, effect.tail);
      this.next++;
    }
  }
}

/** Hidden state of one stream: the instance's log-median, its burst multiplier and log-median drift. */
interface LatentModel {
  readonly logMedian: number;
  readonly burst: SteppedProcess;
  readonly drift: SteppedProcess;
}

function latentModel(rng: Rng, intervalMs: number, endpoint: EndpointSpec): LatentModel {
  const { latency, traffic } = endpoint;
  const offset = latency.instanceSpreadLogSigma ? normal(rng, 0, latency.instanceSpreadLogSigma) : 0;
  return {
    logMedian: Math.log(latency.medianSeconds) + offset,
    burst: burstProcess(rng, traffic.burst?.cv ?? 0, phiForInterval(traffic.burst?.phiPerMinute ?? 0, intervalMs)),
    drift: gaussianAr1(rng, latency.drift?.logSigma ?? 0, phiForInterval(latency.drift?.phiPerMinute ?? 0, intervalMs)),
  };
}

/** Simulates `<latency>_bucket{le}`, `_count` and `_sum` of one endpoint on one instance. */
export function simulateLatencyStream(ctx: StreamContext, plan: InstancePlan, endpoint: EndpointSpec): RawSeries[] {
  const events = plan.effects.filter((e) => e.effect.kind === 'latency' && e.effect.endpoint === endpoint.endpoint);
  const stream = new LatencyStream(ctx, plan, endpoint, events);
  walkIntervals(ctx.grid, changePoints(plan.resetsMs, events), plan.resetsMs, stream);
  return latencySeries(ctx, plan, endpoint.endpoint, stream.bounds, stream.buckets, stream.sums);
}

/** The interval visitor generating one endpoint's histogram counters. */
class LatencyStream implements IntervalVisitor {
  readonly bounds: readonly number[];
  readonly buckets: Float64Array[];
  readonly sums: Float64Array;
  private readonly logBounds: Float64Array;
  private readonly cumulative: Float64Array;
  private readonly probs: Float64Array;
  private readonly means: Float64Array;
  private readonly drawn: Float64Array;
  private readonly rng: Rng;
  private readonly latent: LatentModel;
  private readonly effects: LatencyEffectState;
  private cumulativeSum = 0;
  private burst = 1;
  private drift = 0;

  constructor(
    private readonly ctx: StreamContext,
    private readonly plan: InstancePlan,
    private readonly endpoint: EndpointSpec,
    events: readonly EffectEvent[],
  ) {
    const key = `${plan.instance}|${endpoint.endpoint}`;
    this.latent = latentModel(createRng(streamSeed(ctx.seed, 'latency-latent', key)), ctx.grid.intervalMs, endpoint);
    this.rng = createRng(streamSeed(ctx.seed, 'latency-counts', key));
    this.effects = new LatencyEffectState(events);
    this.bounds = endpoint.latency.bucketsSeconds ?? DEFAULT_BUCKETS_SECONDS;
    this.logBounds = Float64Array.from(this.bounds, Math.log);
    const cells = this.bounds.length + 1;
    this.buckets = Array.from({ length: cells }, () => new Float64Array(ctx.grid.count));
    this.sums = new Float64Array(ctx.grid.count);
    this.cumulative = new Float64Array(cells);
    this.probs = new Float64Array(cells);
    this.means = new Float64Array(cells);
    this.drawn = new Float64Array(cells);
  }

  interval(): void {
    this.burst = this.latent.burst.next();
    this.drift = this.latent.drift.next();
  }

  piece(_k: number, startMs: number, endMs: number): void {
    const { traffic, latency } = this.endpoint;
    const midMs = 0.5 * (startMs + endMs);
    const load = loadMultiplier(this.ctx.loadRamps, this.plan.service.name, midMs);
    const perSecond = traffic.ratePerSecond * diurnalMultiplier(traffic.diurnal, midMs) * load * this.burst;
    const n = poisson(this.rng, (perSecond * (endMs - startMs)) / 1000);
    if (n === 0) return;
    this.effects.advanceTo(startMs);
    const mu = this.latent.logMedian + this.drift + (latency.loadElasticity ?? 0) * Math.log(load) + this.effects.logShift;
    fillCellProbabilities(this.logBounds, mu, latency.logSigma, this.effects.components, this.probs, this.means);
    multinomialInto(this.rng, n, this.probs, this.drawn);
    for (let i = 0; i < this.drawn.length; i++) {
      const c = this.drawn[i] ?? 0;
      this.cumulative[i] = (this.cumulative[i] ?? 0) + c;
      this.cumulativeSum += c * (this.means[i] ?? 0);
    }
  }

  reset(): void {
    this.cumulative.fill(0);
    this.cumulativeSum = 0;
  }

  scrape(k: number): void {
    let running = 0;
    for (let i = 0; i < this.cumulative.length; i++) {
      running += this.cumulative[i] ?? 0;
      (this.buckets[i] as Float64Array)[k] = running;
    }
    this.sums[k] = this.cumulativeSum;
  }
}

function latencySeries(
  ctx: StreamContext,
  plan: InstancePlan,
  endpoint: string,
  bounds: readonly number[],
  buckets: Float64Array[],
  sums: Float64Array,
): RawSeries[] {
  const base = { ...instanceLabels(ctx, plan), [ctx.labelNames.endpoint]: endpoint };
  const name = ctx.metricNames.latency;
  const series = buckets.map((values, i) => {
    const le = i < bounds.length ? String(bounds[i]) : '+Inf';
    return makeSeries(ctx, plan, `${name}_bucket`, { ...base, le }, values);
  });
  const total = buckets[buckets.length - 1] ?? new Float64Array(ctx.grid.count);
  series.push(makeSeries(ctx, plan, `${name}_count`, base, total.slice()));
  series.push(makeSeries(ctx, plan, `${name}_sum`, base, sums));
  return series;
}
