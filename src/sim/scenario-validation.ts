/**
 * Checks a {@link FleetScenario} before simulation; every problem is reported with its JSON path
 * (e.g. `scenario.services[0].endpoints[1].latency.logSigma`) and what was expected.
 */
import { DEFAULT_LABEL_NAMES, type EndpointSpec, type FleetScenario, type PeerSpec, type ServiceSpec, type SimBinary, type SimEffect, type TrafficSpec } from './fleet-scenario.js';

/** A scenario that cannot be simulated; `path` is the JSON path of the offending field. */
export class InvalidScenarioError extends Error {
  constructor(
    readonly path: string,
    expected: string,
    got: unknown,
  ) {
    super(`invalid scenario at ${path}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'InvalidScenarioError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function check(ok: boolean, path: string, expected: string, got: unknown): void {
  if (!ok) throw new InvalidScenarioError(path, expected, got);
}

function inRange(value: number, lo: number, hi: number, path: string, what: string): void {
  check(Number.isFinite(value) && value >= lo && value <= hi, path, what, value);
}

function positive(value: number, path: string): void {
  check(Number.isFinite(value) && value > 0, path, 'a finite number > 0', value);
}

/** Throws {@link InvalidScenarioError} on the first invalid field of `scenario`. */
export function validateScenario(scenario: FleetScenario): void {
  const p = 'scenario';
  check(Number.isFinite(scenario.startMs), `${p}.startMs`, 'epoch milliseconds', scenario.startMs);
  check(Number.isFinite(scenario.endMs) && scenario.endMs >= scenario.startMs, `${p}.endMs`, 'epoch milliseconds >= startMs', scenario.endMs);
  check(Number.isInteger(scenario.scrapeIntervalMs) && scenario.scrapeIntervalMs > 0, `${p}.scrapeIntervalMs`, 'an integer > 0', scenario.scrapeIntervalMs);
  check(Number.isSafeInteger(scenario.seed), `${p}.seed`, 'a safe integer', scenario.seed);
  check(scenario.services.length > 0, `${p}.services`, 'at least one service', scenario.services);
  validateNames(scenario);
  const seenServices = new Set<string>();
  const seenInstances = new Set<string>();
  scenario.services.forEach((service, i) => {
    const path = `${p}.services[${i}]`;
    check(!seenServices.has(service.name) && service.name.length > 0, `${path}.name`, 'a unique non-empty service name', service.name);
    seenServices.add(service.name);
    validateService(service, path, seenInstances, reservedLabels(scenario));
  });
  (scenario.loadRamps ?? []).forEach((ramp, i) => {
    const path = `${p}.loadRamps[${i}]`;
    positive(ramp.factor, `${path}.factor`);
    inRange(ramp.rampMs, 0, Number.MAX_VALUE, `${path}.rampMs`, 'a duration >= 0');
    if (ramp.endMs !== undefined) check(ramp.endMs >= ramp.startMs + 2 * ramp.rampMs, `${path}.endMs`, 'at least startMs + 2·rampMs', ramp.endMs);
    (ramp.services ?? []).forEach((s, j) => check(seenServices.has(s), `${path}.services[${j}]`, 'a service of the scenario', s));
  });
  validateUpgrade(scenario);
  (scenario.timedEffects ?? []).forEach((timed, i) => {
    const path = `${p}.timedEffects[${i}]`;
    check(Number.isFinite(timed.startMs), `${path}.startMs`, 'epoch milliseconds', timed.startMs);
    const service = validateEffect(scenario, timed.effect, `${path}.effect`);
    (timed.instances ?? []).forEach((inst, j) =>
      check(service.instances.includes(inst), `${path}.instances[${j}]`, `an instance of service "${service.name}"`, inst),
    );
  });
}

function validateNames(scenario: FleetScenario): void {
  for (const [key, value] of Object.entries(scenario.labelNames ?? {})) {
    check(typeof value === 'string' && LABEL.test(value) && value !== 'le', `scenario.labelNames.${key}`, 'a label name other than "le"', value);
  }
  const labels = Object.values(scenario.labelNames ?? {});
  check(new Set(labels).size === labels.length, 'scenario.labelNames', 'distinct label names', labels);
  for (const [key, value] of Object.entries(scenario.metricNames ?? {})) {
    check(typeof value === 'string' && NAME.test(value), `scenario.metricNames.${key}`, 'a metric name', value);
  }
}

/** Label names the simulator sets itself; extra labels may not use them. */
function reservedLabels(scenario: FleetScenario): Set<string> {
  return new Set(['le', ...Object.values({ ...DEFAULT_LABEL_NAMES, ...scenario.labelNames })]);
}

function validateService(service: ServiceSpec, path: string, seenInstances: Set<string>, reserved: ReadonlySet<string>): void {
  check(service.instances.length > 0, `${path}.instances`, 'at least one instance', service.instances);
  service.instances.forEach((inst, j) => {
    check(inst.length > 0 && !seenInstances.has(inst), `${path}.instances[${j}]`, 'an instance name unique across the fleet', inst);
    seenInstances.add(inst);
  });
  const endpoints = new Set<string>();
  service.endpoints.forEach((e, j) => {
    check(!endpoints.has(e.endpoint), `${path}.endpoints[${j}].endpoint`, 'a unique endpoint', e.endpoint);
    endpoints.add(e.endpoint);
    validateEndpoint(e, `${path}.endpoints[${j}]`);
  });
  const peers = new Set<string>();
  (service.peers ?? []).forEach((peer, j) => {
    check(!peers.has(peer.peer), `${path}.peers[${j}].peer`, 'a unique peer', peer.peer);
    peers.add(peer.peer);
    validatePeer(peer, `${path}.peers[${j}]`);
  });
  for (const [key, value] of Object.entries(service.extraLabels ?? {})) {
    check(LABEL.test(key) && !reserved.has(key), `${path}.extraLabels.${key}`, 'a label name the simulator does not set itself', key);
    check(typeof value === 'string', `${path}.extraLabels.${key}`, 'a string value', value);
  }
}

function validateTraffic(traffic: TrafficSpec, path: string): void {
  inRange(traffic.ratePerSecond, 0, Number.MAX_VALUE, `${path}.ratePerSecond`, 'a rate >= 0');
  if (traffic.diurnal !== undefined) {
    inRange(traffic.diurnal.amplitude, 0, 0.999, `${path}.diurnal.amplitude`, 'an amplitude in [0, 1)');
    if (traffic.diurnal.periodMs !== undefined) positive(traffic.diurnal.periodMs, `${path}.diurnal.periodMs`);
    check(Number.isFinite(traffic.diurnal.peakOffsetMs), `${path}.diurnal.peakOffsetMs`, 'milliseconds', traffic.diurnal.peakOffsetMs);
  }
  if (traffic.burst !== undefined) {
    inRange(traffic.burst.cv, 0, 10, `${path}.burst.cv`, 'a coefficient of variation in [0, 10]');
    inRange(traffic.burst.phiPerMinute ?? 0, 0, 1, `${path}.burst.phiPerMinute`, 'an autocorrelation in [0, 1]');
  }
}

function validateEndpoint(endpoint: EndpointSpec, path: string): void {
  validateTraffic(endpoint.traffic, `${path}.traffic`);
  const l = endpoint.latency;
  positive(l.medianSeconds, `${path}.latency.medianSeconds`);
  positive(l.logSigma, `${path}.latency.logSigma`);
  if (l.drift !== undefined) {
    inRange(l.drift.logSigma, 0, 10, `${path}.latency.drift.logSigma`, 'a log-sigma in [0, 10]');
    inRange(l.drift.phiPerMinute, 0, 1, `${path}.latency.drift.phiPerMinute`, 'an autocorrelation in [0, 1]');
  }
  inRange(l.instanceSpreadLogSigma ?? 0, 0, 10, `${path}.latency.instanceSpreadLogSigma`, 'a log-sigma in [0, 10]');
  check(Number.isFinite(l.loadElasticity ?? 0), `${path}.latency.loadElasticity`, 'a finite number', l.loadElasticity);
  const b = l.bucketsSeconds;
  if (b !== undefined) {
    const ok = b.length > 0 && b.every((x, i) => Number.isFinite(x) && x > 0 && (i === 0 || x > (b[i - 1] ?? 0)));
    check(ok, `${path}.latency.bucketsSeconds`, 'finite, positive, strictly increasing bounds', b);
  }
}

function validatePeer(peer: PeerSpec, path: string): void {
  validateTraffic(peer.traffic, `${path}.traffic`);
  inRange(peer.retry.probability, 0, 1, `${path}.retry.probability`, 'a probability in [0, 1]');
  inRange(peer.retry.dispersion ?? 0, 0, 0.999, `${path}.retry.dispersion`, 'a dispersion in [0, 1)');
  inRange(peer.retry.phiPerMinute ?? 0, 0, 1, `${path}.retry.phiPerMinute`, 'an autocorrelation in [0, 1]');
}

function validateUpgrade(scenario: FleetScenario): void {
  const upgrade = scenario.upgrade;
  if (upgrade === undefined) return;
  check(Number.isFinite(upgrade.startedAtMs), 'scenario.upgrade.startedAtMs', 'epoch milliseconds', upgrade.startedAtMs);
  const names = new Set<string>();
  upgrade.binaries.forEach((binary, i) => {
    const path = `scenario.upgrade.binaries[${i}]`;
    check(binary.name.length > 0 && !names.has(binary.name), `${path}.name`, 'a unique binary name', binary.name);
    names.add(binary.name);
    validateBinary(scenario, binary, path);
  });
}

function validateBinary(scenario: FleetScenario, binary: SimBinary, path: string): void {
  const all = new Set(scenario.services.flatMap((s) => s.instances));
  binary.instances.forEach((inst, j) => check(all.has(inst), `${path}.instances[${j}]`, 'an instance of the fleet', inst));
  const unchanged = binary.from === binary.to;
  for (const [inst, at] of Object.entries(binary.rolloutMs)) {
    check(!unchanged, `${path}.rolloutMs.${inst}`, 'no rollout for a binary with from == to', at);
    check(binary.instances.includes(inst), `${path}.rolloutMs.${inst}`, 'an instance listed in instances', inst);
    check(Number.isFinite(at), `${path}.rolloutMs.${inst}`, 'epoch milliseconds', at);
  }
  (binary.effects ?? []).forEach((effect, j) => {
    check(!unchanged, `${path}.effects[${j}]`, 'no effect for a binary with from == to', effect);
    const service = validateEffect(scenario, effect, `${path}.effects[${j}]`);
    check(service.instances.some((inst) => binary.instances.includes(inst)), `${path}.effects[${j}].service`, 'a service on which the binary runs', effect.service);
  });
}

function validateEffect(scenario: FleetScenario, effect: SimEffect, path: string): ServiceSpec {
  const service = scenario.services.find((s) => s.name === effect.service);
  check(service !== undefined, `${path}.service`, 'a service of the scenario', effect.service);
  const s = service as ServiceSpec;
  if (effect.kind === 'latency') {
    check(s.endpoints.some((e) => e.endpoint === effect.endpoint), `${path}.endpoint`, `an endpoint of service "${s.name}"`, effect.endpoint);
    positive(effect.scale ?? 1, `${path}.scale`);
    if (effect.tail !== undefined) {
      inRange(effect.tail.fraction, 0, 1, `${path}.tail.fraction`, 'a fraction in [0, 1]');
      positive(effect.tail.factor, `${path}.tail.factor`);
    }
  } else {
    check((s.peers ?? []).some((p) => p.peer === effect.peer), `${path}.peer`, `a peer of service "${s.name}"`, effect.peer);
    inRange(effect.probabilityFactor, 0, Number.MAX_VALUE, `${path}.probabilityFactor`, 'a factor >= 0');
  }
  return s;
}
