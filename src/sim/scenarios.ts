/**
 * Built-in scenarios: the calibration/power family on a 4-instance gateway and the edge cases of
 * attribution (partial rollout under a load ramp, a shift that predates the upgrade, two binaries).
 * Each returns the scenario plus its upgrade.json. The demo story is in dten-story.ts, the
 * benchmark generator in big-scenario.ts.
 */
import type { FleetScenario, LatencyEffect, LoadRamp, RetryEffect, SimBinary, SimEffect, TimedEffect } from './fleet-scenario.js';
import { tailShiftForQuantile } from './latency-mixture.js';
import {
  calibrationGateway,
  HOUR_MS,
  lastRolloutMs,
  MINUTE_MS,
  ROUTE_LOG_SIGMA,
  SETTLE_MS,
  staggeredRollout,
  UPGRADE_START_MS,
  type GatewayOptions,
} from './scenario-builders.js';
import { describeUpgrade, type ScenarioBundle } from './upgrade-description.js';

export { dtenStory } from './dten-story.js';
export { bigScenario, type BigScenarioOptions } from './big-scenario.js';

/** Options of {@link nullScenario}. */
export interface CalibrationOptions extends GatewayOptions {
  /** Default 60 s. */
  readonly scrapeIntervalMs?: number;
  /** Staggered rollouts (+5 … +28 min) or all at +5 min; default staggered. */
  readonly rollout?: 'staggered' | 'simultaneous';
  /** Counters reset at each rollout; default true. */
  readonly restartAtRollout?: boolean;
  /** Data before the upgrade start (plus 5 min); default 2 h. */
  readonly baselineHours?: number;
  /** Data after the last rollout plus the 5 min settle (plus 2 min); default 1 h. */
  readonly afterHours?: number;
}

/** Options of {@link powerScenario}. */
export interface PowerOptions extends CalibrationOptions {
  /** Relative change of p99 of `/v1/route` on upgraded instances; default 0.10 (+10 %). */
  readonly p99Shift?: number;
  /** `tail`: a mixture moving p99 by exactly p99Shift (median ~unchanged); `scale`: the whole distribution. Default tail. */
  readonly shiftKind?: 'tail' | 'scale';
  /** Relative change of the retry probability towards `storage`; default 0 (none). */
  readonly retryShift?: number;
}

interface GatewayUpgradeParts {
  readonly binaries?: (rolloutMs: Record<string, number>, instances: readonly string[]) => SimBinary[];
  readonly gatewayEffects?: readonly SimEffect[];
  /** Instances that get upgraded; default all. */
  readonly upgradedInstances?: (instances: readonly string[]) => readonly string[];
  readonly timedEffects?: readonly TimedEffect[];
  readonly loadRamps?: readonly LoadRamp[];
}

/** The latency effect moving p99 of `/v1/route` by `shift` (relative). */
export function routeP99Effect(shift: number, kind: 'tail' | 'scale' = 'tail', driftLogSigma = 0.05): LatencyEffect {
  const base = { kind: 'latency', service: 'gateway', endpoint: '/v1/route' } as const;
  if (kind === 'scale') return { ...base, scale: 1 + shift };
  if (!(shift > 0)) throw new RangeError(`routeP99Effect: a tail shift must be > 0, got ${shift}; use kind "scale" for decreases`);
  const pooledLogSigma = Math.hypot(ROUTE_LOG_SIGMA, driftLogSigma);
  return { ...base, tail: tailShiftForQuantile(0.99, 1 + shift, pooledLogSigma) };
}

function gatewayUpgradeScenario(seed: number, options: CalibrationOptions, parts: GatewayUpgradeParts): ScenarioBundle {
  const gateway = calibrationGateway(options);
  const upgraded = parts.upgradedInstances?.(gateway.instances) ?? gateway.instances;
  const rolloutMs = staggeredRollout(upgraded, options.rollout === 'simultaneous');
  const gatewayBinary: SimBinary = {
    name: 'dten-gateway',
    from: '4.2.1',
    to: '4.3.0',
    instances: gateway.instances,
    rolloutMs,
    effects: parts.gatewayEffects ?? [],
  };
  const extra = parts.binaries?.(rolloutMs, gateway.instances) ?? [];
  const lastMs = Math.max(lastRolloutMs(rolloutMs, UPGRADE_START_MS), ...extra.map((b) => lastRolloutMs(b.rolloutMs, UPGRADE_START_MS)));
  const scenario: FleetScenario = {
    startMs: UPGRADE_START_MS - (options.baselineHours ?? 2) * HOUR_MS - 5 * MINUTE_MS,
    endMs: lastMs + SETTLE_MS + (options.afterHours ?? 1) * HOUR_MS + 2 * MINUTE_MS,
    scrapeIntervalMs: options.scrapeIntervalMs ?? MINUTE_MS,
    seed,
    services: [gateway],
    restartAtRollout: options.restartAtRollout ?? true,
    loadRamps: parts.loadRamps ?? [],
    timedEffects: parts.timedEffects ?? [],
    upgrade: { startedAtMs: UPGRADE_START_MS, finishedAtMs: lastMs, binaries: [gatewayBinary, ...extra] },
  };
  return { scenario, upgrade: describeUpgrade(scenario, { id: `sim-${seed}`, package: 'sim-upgrade.zip' }) };
}

/** No effect at all: bursty, diurnal, autocorrelated traffic; for calibrating false-positive rates. */
export function nullScenario(seed: number, options: CalibrationOptions = {}): ScenarioBundle {
  return gatewayUpgradeScenario(seed, options, {});
}

/** {@link nullScenario} plus a p99 shift (and optionally a retry shift) starting at each instance's rollout. */
export function powerScenario(seed: number, options: PowerOptions = {}): ScenarioBundle {
  const effects: SimEffect[] = [];
  const p99Shift = options.p99Shift ?? 0.1;
  if (p99Shift !== 0) effects.push(routeP99Effect(p99Shift, options.shiftKind, options.driftLogSigma));
  if ((options.retryShift ?? 0) !== 0) {
    const retry: RetryEffect = { kind: 'retries', service: 'gateway', peer: 'storage', probabilityFactor: 1 + (options.retryShift ?? 0) };
    effects.push(retry);
  }
  return gatewayUpgradeScenario(seed, options, { gatewayEffects: effects });
}

/**
 * A load ramp (×1.5 traffic, +13 % latency through elasticity 0.3) hits all four instances from
 * 12:10; only gw-1 and gw-2 are upgraded (12:05, 12:28) and carry a real p99 +30 % tail shift.
 */
export function partialRolloutScenario(seed: number, options: CalibrationOptions = {}): ScenarioBundle {
  const loadRamps: LoadRamp[] = [{ startMs: UPGRADE_START_MS + 10 * MINUTE_MS, rampMs: 10 * MINUTE_MS, factor: 1.5 }];
  return gatewayUpgradeScenario(seed, options, {
    gatewayEffects: [routeP99Effect(0.3, 'tail', options.driftLogSigma)],
    upgradedInstances: (instances) => instances.slice(0, 2),
    loadRamps,
  });
}

/** A p99 +30 % tail shift on every instance that starts 40 min before the upgrade; the upgrade itself does nothing. */
export function preExistingShiftScenario(seed: number, options: CalibrationOptions = {}): ScenarioBundle {
  const timed: TimedEffect = { startMs: UPGRADE_START_MS - 40 * MINUTE_MS, effect: routeP99Effect(0.3, 'tail', options.driftLogSigma) };
  return gatewayUpgradeScenario(seed, options, { timedEffects: [timed] });
}

/**
 * Two changed binaries on the same instances: dten-gateway (carries a p99 +30 % tail shift) and
 * dten-agent (no effect, no restart). Apart, the agent goes in reverse order (gw-4 at +3 min … gw-1
 * at +26 min) against the gateway's gw-1 +5 … gw-4 +28 min; with `sameTimes`, both at the same instants.
 */
export function twoBinariesScenario(seed: number, options: CalibrationOptions & { readonly sameTimes: boolean }): ScenarioBundle {
  return gatewayUpgradeScenario(seed, options, {
    gatewayEffects: [routeP99Effect(0.3, 'tail', options.driftLogSigma)],
    binaries: (gatewayRollout, instances) => {
      const agentRollout = options.sameTimes
        ? { ...gatewayRollout }
        : staggeredRollout([...instances].reverse(), false, UPGRADE_START_MS + 3 * MINUTE_MS);
      return [{ name: 'dten-agent', from: '1.9.0', to: '1.9.1', instances, rolloutMs: agentRollout, resetsCounters: false }];
    },
  });
}
