/**
 * One client stream (instance × peer): per piece of scrape interval, requests ~ Poisson(rate) and
 * retries ~ Binomial(requests, p), where p is the slice's overdispersed, autocorrelated probability
 * multiplied by the active retry effects.
 */
import { createRng, type Rng } from '../detect/random.js';
import type { RawSeries } from '../series/model.js';
import { binomial, poisson } from './distributions.js';
import type { PeerSpec, RetryEffect } from './fleet-scenario.js';
import { streamSeed, type EffectEvent, type InstancePlan } from './fleet-plan.js';
import { walkIntervals, type IntervalVisitor } from './interval-walk.js';
import { betaAr1, burstProcess, diurnalMultiplier, loadMultiplier, phiForInterval, type SteppedProcess } from './latent-processes.js';
import { changePoints, instanceLabels, makeSeries, type StreamContext } from './stream-context.js';

/** Simulates `<clientRequests>{peer}` and `<clientRetries>{peer}` of one peer on one instance. */
export function simulateRetryStream(ctx: StreamContext, plan: InstancePlan, peer: PeerSpec): RawSeries[] {
  const events = plan.effects.filter((e) => e.effect.kind === 'retries' && e.effect.peer === peer.peer);
  const stream = new RetryStream(ctx, plan, peer, events);
  walkIntervals(ctx.grid, changePoints(plan.resetsMs, events), plan.resetsMs, stream);
  const labels = { ...instanceLabels(ctx, plan), [ctx.labelNames.peer]: peer.peer };
  return [
    makeSeries(ctx, plan, ctx.metricNames.clientRequests, labels, stream.requests),
    makeSeries(ctx, plan, ctx.metricNames.clientRetries, labels, stream.retries),
  ];
}

/** The interval visitor generating one peer's request and retry counters. */
class RetryStream implements IntervalVisitor {
  readonly requests: Float64Array;
  readonly retries: Float64Array;
  private readonly rng: Rng;
  private readonly burstProcess: SteppedProcess;
  private readonly probabilityProcess: SteppedProcess;
  private cumulativeRequests = 0;
  private cumulativeRetries = 0;
  private burst = 1;
  private probability = 0;
  private factor = 1;
  private nextEvent = 0;

  constructor(
    private readonly ctx: StreamContext,
    private readonly plan: InstancePlan,
    private readonly peer: PeerSpec,
    private readonly events: readonly EffectEvent[],
  ) {
    const key = `${plan.instance}|${peer.peer}`;
    const latentRng = createRng(streamSeed(ctx.seed, 'retry-latent', key));
    const { burst } = peer.traffic;
    this.burstProcess = burstProcess(latentRng, burst?.cv ?? 0, phiForInterval(burst?.phiPerMinute ?? 0, ctx.grid.intervalMs));
    const { probability, dispersion, phiPerMinute } = peer.retry;
    this.probabilityProcess = betaAr1(latentRng, probability, dispersion ?? 0, phiForInterval(phiPerMinute ?? 0, ctx.grid.intervalMs));
    this.rng = createRng(streamSeed(ctx.seed, 'retry-counts', key));
    this.requests = new Float64Array(ctx.grid.count);
    this.retries = new Float64Array(ctx.grid.count);
  }

  interval(): void {
    this.burst = this.burstProcess.next();
    this.probability = this.probabilityProcess.next();
  }

  piece(_k: number, startMs: number, endMs: number): void {
    const { traffic } = this.peer;
    const midMs = 0.5 * (startMs + endMs);
    const load = loadMultiplier(this.ctx.loadRamps, this.plan.service.name, midMs);
    const perSecond = traffic.ratePerSecond * diurnalMultiplier(traffic.diurnal, midMs) * load * this.burst;
    const n = poisson(this.rng, (perSecond * (endMs - startMs)) / 1000);
    if (n === 0) return;
    this.advanceEffects(startMs);
    this.cumulativeRequests += n;
    this.cumulativeRetries += binomial(this.rng, n, Math.min(1, this.probability * this.factor));
  }

  reset(): void {
    this.cumulativeRequests = 0;
    this.cumulativeRetries = 0;
  }

  scrape(k: number): void {
    this.requests[k] = this.cumulativeRequests;
    this.retries[k] = this.cumulativeRetries;
  }

  private advanceEffects(tMs: number): void {
    while (this.nextEvent < this.events.length && (this.events[this.nextEvent]?.startMs ?? Infinity) <= tMs) {
      this.factor *= (this.events[this.nextEvent]?.effect as RetryEffect).probabilityFactor;
      this.nextEvent++;
    }
  }
}
