import { describe, expect, it } from 'vitest';
import type { FleetScenario, LoadRamp, SimEffect, TimedEffect } from './fleet-scenario.js';
import { simulateFleet } from './fleet-simulator.js';
import { tailShiftForQuantile } from './latency-mixture.js';
import { bucketQuantile, windowBuckets, windowIncrease } from './readout.js';

const T0 = Date.parse('2026-04-10T10:00:00Z');
const MIN = 60_000;
const ROLLOUT = T0 + 60 * MIN;
const SIGMA = 0.5;
/** Geometric buckets 1.03 apart: bucket interpolation error well under 1.5 %. */
const FINE_BUCKETS = Array.from({ length: 200 }, (_, i) => 0.01 * 1.03 ** i).filter((b) => b < 2);
const HISTOGRAM = 'http_server_request_duration_seconds';

interface Options {
  readonly effects?: readonly SimEffect[];
  readonly timedEffects?: readonly TimedEffect[];
  readonly loadRamps?: readonly LoadRamp[];
}

/** 4 instances × 100 req/s, no drift or bursts, all upgraded at +60 min, data until +121 min. */
function scenario(options: Options): FleetScenario {
  const instances = ['gw-1', 'gw-2', 'gw-3', 'gw-4'];
  return {
    startMs: T0,
    endMs: T0 + 121 * MIN,
    scrapeIntervalMs: MIN,
    seed: 11,
    services: [
      {
        name: 'gateway',
        instances,
        endpoints: [
          {
            endpoint: '/v1/route',
            traffic: { ratePerSecond: 100 },
            latency: { medianSeconds: 0.08, logSigma: SIGMA, bucketsSeconds: FINE_BUCKETS, loadElasticity: 0.3 },
          },
        ],
        peers: [{ peer: 'storage', traffic: { ratePerSecond: 100 }, retry: { probability: 0.04, dispersion: 0.002, phiPerMinute: 0.6 } }],
      },
    ],
    loadRamps: options.loadRamps ?? [],
    timedEffects: options.timedEffects ?? [],
    upgrade: {
      startedAtMs: ROLLOUT,
      binaries: [
        {
          name: 'dten-gateway',
          from: '1',
          to: '2',
          instances,
          rolloutMs: Object.fromEntries(instances.map((i) => [i, ROLLOUT])),
          effects: options.effects ?? [],
        },
      ],
    },
  };
}

/** Quantiles of /v1/route over the hour before and the hour after the rollout (pooled over instances). */
function quantilesBeforeAfter(s: FleetScenario, q: number): { before: number; after: number } {
  const { series } = simulateFleet(s);
  const match = { endpoint: '/v1/route' };
  return {
    before: bucketQuantile(q, windowBuckets(series, HISTOGRAM, match, T0, ROLLOUT - MIN)),
    after: bucketQuantile(q, windowBuckets(series, HISTOGRAM, match, ROLLOUT + MIN, T0 + 121 * MIN)),
  };
}

const ratio = (x: { before: number; after: number }): number => x.after / x.before;

describe('injected latency effects are visible in the generated buckets', () => {
  it('without an effect p50 and p99 stay put', () => {
    const s = scenario({});
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.99)) - 1)).toBeLessThan(0.02);
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.5)) - 1)).toBeLessThan(0.02);
  });

  it('a tail mixture for "p99 +10 %" moves p99 by ~10 % and the median by < 2 %', () => {
    const tail = tailShiftForQuantile(0.99, 1.1, SIGMA);
    const s = scenario({ effects: [{ kind: 'latency', service: 'gateway', endpoint: '/v1/route', tail }] });
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.99)) - 1.1)).toBeLessThan(0.025);
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.5)) - 1)).toBeLessThan(0.02);
  });

  it('a scale of 1.2 moves median and p99 by ~20 %', () => {
    const s = scenario({ effects: [{ kind: 'latency', service: 'gateway', endpoint: '/v1/route', scale: 1.2 }] });
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.99)) - 1.2)).toBeLessThan(0.03);
    expect(Math.abs(ratio(quantilesBeforeAfter(s, 0.5)) - 1.2)).toBeLessThan(0.03);
  });

  it('a timed effect starts at its own time, before the upgrade', () => {
    const timed: TimedEffect = { startMs: T0 + 30 * MIN, effect: { kind: 'latency', service: 'gateway', endpoint: '/v1/route', scale: 1.3 } };
    const { series, truth } = simulateFleet(scenario({ timedEffects: [timed] }));
    const median = (from: number, to: number): number => bucketQuantile(0.5, windowBuckets(series, HISTOGRAM, {}, from, to));
    expect(median(T0 + 31 * MIN, ROLLOUT) / median(T0, T0 + 29 * MIN)).toBeGreaterThan(1.26);
    expect(median(ROLLOUT + MIN, T0 + 121 * MIN) / median(T0 + 31 * MIN, ROLLOUT)).toBeCloseTo(1, 1);
    expect(truth.effects.map((e) => [e.instance, e.startMs, e.source])).toContainEqual(['gw-3', T0 + 30 * MIN, 'timed']);
  });

  it('a load ramp raises traffic by its factor and latency by factor^elasticity on every instance', () => {
    const ramp: LoadRamp = { startMs: ROLLOUT, rampMs: 0, factor: 1.5 };
    const { series } = simulateFleet(scenario({ loadRamps: [ramp] }));
    const count = (from: number, to: number): number => windowIncrease(series, `${HISTOGRAM}_count`, { instance: 'gw-2' }, from, to);
    expect(count(ROLLOUT + MIN, T0 + 121 * MIN) / count(T0, ROLLOUT - MIN)).toBeCloseTo(1.5, 1);
    const median = (from: number, to: number): number => bucketQuantile(0.5, windowBuckets(series, HISTOGRAM, {}, from, to));
    expect(Math.abs(median(ROLLOUT + MIN, T0 + 121 * MIN) / median(T0, ROLLOUT - MIN) - 1.5 ** 0.3)).toBeLessThan(0.02);
  });
});

describe('injected retry effects are visible in the generated counters', () => {
  function retryRatio(s: FleetScenario, from: number, to: number): number {
    const { series } = simulateFleet(s);
    return windowIncrease(series, 'http_client_retries_total', { peer: 'storage' }, from, to) / windowIncrease(series, 'http_client_requests_total', { peer: 'storage' }, from, to);
  }

  it('the retry fraction is the configured probability before and factor × it after', () => {
    const s = scenario({ effects: [{ kind: 'retries', service: 'gateway', peer: 'storage', probabilityFactor: 2.25 }] });
    const before = retryRatio(s, T0, ROLLOUT - MIN);
    const after = retryRatio(s, ROLLOUT + MIN, T0 + 121 * MIN);
    expect(Math.abs(before - 0.04)).toBeLessThan(0.004);
    expect(Math.abs(after / before - 2.25)).toBeLessThan(0.2);
  });
});
