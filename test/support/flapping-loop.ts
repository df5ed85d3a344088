/**
 * The whole detection → finding → tuner → flag write → verification loop on simulated time, wired as
 * src/main.ts wires `serve` but with an injected clock: the real series store fed by an
 * {@link OscillatingFleet}, the real upgrade monitor, the real tuner with the real `verifyChange`,
 * the in-memory flag service and a real state store (in-memory, or SQLite in a temp dir). The clock
 * moves one tuner interval at a time; each step the fleet pushes what it did under the flags as they
 * are, the monitor evaluates (a new slice every fourth step) and the tuner runs a round.
 *
 * Every flag write goes through a recorder in front of the flag store (time, decision, value before
 * and after), so tests can hold the flag's own history against the decision log and the flag
 * service's change log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreUpgradeRegistry } from '../../src/api/upgrade-registry.js';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import type { FlagState, FlagStore, JsonValue } from '../../src/flags/flag-store.js';
import { MemoryFlagStore, MemoryFlags } from '../../src/flags/memory-flag-store.js';
import { createUpgradeMonitor } from '../../src/monitor/upgrade-monitor.js';
import { createSeriesStore } from '../../src/series/series-store.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { NO_FAILPOINTS } from '../../src/tune/failpoints.js';
import { parseGuardrails } from '../../src/tune/guardrails-config.js';
import type { Guardrails } from '../../src/tune/guardrails-config.js';
import { createKillSwitch } from '../../src/tune/kill-switch.js';
import type { BackoffConstants } from '../../src/tune/retry-model.js';
import { createSoleLeader } from '../../src/tune/sole-leader.js';
import { createTuner } from '../../src/tune/tuner.js';
import type { Tuner } from '../../src/tune/tuner.js';
import type { TunerAlert } from '../../src/tune/tuner-context.js';
import { verifyChange } from '../../src/tune/verify-change.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import type { Upgrade } from '../../src/upgrades/upgrade.js';
import { createOscillatingFleet } from './oscillating-fleet.js';
import type { FleetFlags, RetryWorld } from './oscillating-fleet.js';
import { EAGER, GATE, SHIPPED_RULES, TUNED } from './tuner-harness.js';

/** The upgrade starts here (simulated time). */
export const UPGRADE_AT_MS = Date.parse('2026-04-10T12:00:00Z');
export const SERVICE = 'dten-sync';
export const INSTANCES = ['sync-1', 'sync-2', 'sync-3', 'sync-4'];
const MIN = 60_000;

/** One write the tuner made through the flag store, as the flag service answered it. */
export interface RecordedWrite {
  readonly atMs: number;
  readonly flag: string;
  readonly decisionId: string;
  /** `on`/`off` for the gate, the payload's JSON for the tuned flag. */
  readonly from: JsonValue;
  readonly to: JsonValue;
}

export interface LoopOptions {
  readonly world: RetryWorld;
  readonly guardrails: Guardrails;
  readonly peers: readonly string[];
  readonly seed: number;
  /** `sqlite`: a database file in a temp dir, as `serve` keeps it (default in-memory). */
  readonly stateStore?: 'memory' | 'sqlite';
}

export interface FlappingLoop {
  readonly config: ShiftguardConfig;
  readonly guardrails: Guardrails;
  readonly flags: MemoryFlags;
  readonly state: StateStore;
  readonly tuner: Tuner;
  readonly writes: readonly RecordedWrite[];
  /** Every distinct reason the tuner gave for leaving a finding alone, with when it first did. */
  readonly notActing: ReadonlyMap<string, number>;
  /** Errors the monitor or the tuner logged (a healthy loop logs none). */
  readonly errors: readonly string[];
  /** Operational alerts the tuner holds raised now, by `name/key`. */
  readonly alerts: ReadonlyMap<string, TunerAlert>;
  now(): number;
  /** Runs the loop until `untilMs`. */
  runUntil(untilMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Limits as guardrails.yaml writes them. */
export interface LoopLimits {
  readonly cooldown: string;
  readonly maxChangesPerDay: number;
  readonly verifyWindow: string;
}

/**
 * The shipped guardrails' two rules (config/guardrails.yaml, with the partner's transient faults
 * declared) in either order, under `limits`.
 */
export function loopGuardrails(limits: LoopLimits, order: 'gate-first' | 'tune-first' = 'gate-first'): Guardrails {
  const { gate, tune } = SHIPPED_RULES;
  const lines = [
    'mode: enforce',
    'unleash: { url: "http://127.0.0.1:4242/api", environment: production }',
    'rules:',
    ...(order === 'gate-first' ? [...gate, ...tune] : [...tune, ...gate]),
    `limits: { cooldown: ${limits.cooldown}, maxChangesPerDay: ${limits.maxChangesPerDay}, verifyWindow: ${limits.verifyWindow} }`,
  ];
  return parseGuardrails(lines.join('\n'), 'anti-flapping-guardrails.yaml');
}

/** The loop's configuration: the embedded defaults (2 h baseline, 1 h after, 1 m slices, 1 m delay) with the retries signal alone. */
export function loopConfig(): ShiftguardConfig {
  const base = defaultConfig();
  return { ...base, signals: base.signals.filter((s) => s.type === 'ratio') };
}

/**
 * Builds the loop with the upgrade registered. The clock starts 2 h 15 m before the upgrade: the first
 * steps of {@link FlappingLoop.runUntil} push the fleet's baseline; monitor and tuner run from the upgrade on.
 */
export async function startFlappingLoop(options: LoopOptions): Promise<FlappingLoop> {
  const config = loopConfig();
  const stepMs = config.tuner.intervalMs;
  let clock = UPGRADE_AT_MS - config.windows.baselineMs - 15 * MIN;
  const now = (): number => clock;
  const dir = options.stateStore === 'sqlite' ? mkdtempSync(join(tmpdir(), 'shiftguard-flapping-')) : null;
  const state = await openState(dir, now);
  const flags = initialFlags();
  const rolloutMs = Object.fromEntries(INSTANCES.map((instance, i) => [instance, UPGRADE_AT_MS + i * 2 * MIN]));
  const upgrade = await registerUpgrade(state, rolloutMs);
  const series = createSeriesStore({ sliceMs: config.windows.sliceMs, retentionMs: config.windows.baselineMs + config.windows.afterMs + 3 * 3600_000, maxSeries: 1000 });
  const fleet = createOscillatingFleet({ service: SERVICE, rolloutMs, peers: options.peers, ratePerSecond: 10, world: options.world, seed: options.seed, metrics: retryMetrics(config) }, series);
  const record: LoopRecord = { writes: [], errors: [], notActing: new Map(), alerts: new Map() };
  const monitor = createUpgradeMonitor({ config, store: state, source: series, now, logError: (message, error) => record.errors.push(`monitor: ${message}: ${String(error)}`) });
  const elector = createSoleLeader(state, 'flapping-loop', now);
  await elector.start();
  const registry = createStoreUpgradeRegistry(state, now);
  const tuner = createTuner({
    config,
    guardrails: options.guardrails,
    store: state,
    flags: recordingFlagStore(new MemoryFlagStore(flags), now, record.writes),
    killSwitch: createKillSwitch(state, options.guardrails.killSwitch, now),
    elector,
    upgradeOf: async (id) => (await registry.get(id))?.upgrade ?? null,
    reportOf: async (id) => (id === upgrade.id ? monitor.report(upgrade) : null),
    verify: (request) => verifyChange(request, { config, source: series, now }),
    alerts: { raise: (alert) => record.alerts.set(`${alert.name}/${alert.key}`, alert), clear: (name, key) => record.alerts.delete(`${name}/${key}`) },
    now,
    logger: { info: () => undefined, warn: () => undefined, error: (details, message) => record.errors.push(`tuner: ${message} ${JSON.stringify(details, errorText)}`) },
    failpoint: NO_FAILPOINTS,
  });

  const step = async (): Promise<void> => {
    const fromMs = clock;
    clock += stepMs;
    fleet.emit(fromMs, clock, fleetFlags(flags));
    if (clock < UPGRADE_AT_MS) return;
    await monitor.tick();
    await tuner.round();
    for (const reason of Object.values(tuner.status().notActing)) if (!record.notActing.has(reason)) record.notActing.set(reason, clock);
  };

  return {
    config,
    guardrails: options.guardrails,
    flags,
    state,
    tuner,
    ...record,
    now,
    runUntil: async (untilMs) => {
      while (clock + stepMs <= untilMs) await step();
    },
    close: async () => {
      await tuner.stop();
      await monitor.stop();
      await elector.stop();
      await state.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the loop records as it runs. */
interface LoopRecord {
  readonly writes: RecordedWrite[];
  readonly errors: string[];
  readonly notActing: Map<string, number>;
  readonly alerts: Map<string, TunerAlert>;
}

/** The state store, open: SQLite in `dir`, or in memory. */
async function openState(dir: string | null, now: () => number): Promise<StateStore> {
  if (dir !== null) return openStateStore(`sqlite:${join(dir, 'shiftguard.db')}`, { nowMs: now });
  const state = new MemoryStateStore();
  await state.open();
  return state;
}

/** The gate on (v2 runs where upgraded) and the tuned flag holding v2's eager constants. */
function initialFlags(): MemoryFlags {
  const flags = new MemoryFlags('production');
  flags.define(GATE, { enabled: true });
  flags.define(TUNED, { enabled: true, strategies: [{ variants: [{ name: 'constants', payload: { type: 'json', json: EAGER as unknown as JsonValue } }] }] });
  return flags;
}

/** Registers the upgrade of dten-sync (rolled out instance by instance; the gate named for it), as `POST /api/v1/upgrades` stores it. */
async function registerUpgrade(state: StateStore, rolloutMs: Readonly<Record<string, number>>): Promise<Upgrade> {
  const document = {
    id: 'dten-osc',
    startedAt: new Date(UPGRADE_AT_MS).toISOString(),
    binaries: [{ name: 'dten-sync', from: '1.4.0', to: '2.0.0', services: [SERVICE], rollout: Object.entries(rolloutMs).map(([instance, atMs]) => ({ instance, at: new Date(atMs).toISOString() })) }],
    flags: [{ name: GATE, binary: 'dten-sync' }],
  };
  const upgrade = validateUpgrade(document, 'upgrade.json');
  await state.putUpgrade({ id: upgrade.id, document, registeredAtMs: UPGRADE_AT_MS, status: 'monitoring' });
  return upgrade;
}

/** The counters of the configuration's retries signal. */
function retryMetrics(config: ShiftguardConfig): { requests: string; retries: string } {
  const retries = config.signals.find((s) => s.type === 'ratio');
  if (retries?.type !== 'ratio') throw new Error('the loop needs a ratio signal');
  return { requests: retries.denominator, retries: retries.numerator };
}

/** What the fleet's clients read from the flags now (as unleash-client would on its next refresh). */
function fleetFlags(flags: MemoryFlags): FleetFlags {
  const gate = flags.read(GATE, undefined);
  const json = flags.read(TUNED, undefined).strategy?.variants[0]?.json;
  return { gateEnabled: gate.enabled, constants: isConstants(json) ? json : null };
}

function isConstants(json: unknown): json is BackoffConstants {
  if (typeof json !== 'object' || json === null) return false;
  const c = json as Record<string, unknown>;
  return ['baseDelayMs', 'multiplier', 'maxDelayMs', 'maxRetries'].every((k) => typeof c[k] === 'number') && typeof c['jitter'] === 'string';
}

/** The flag store with every changing write recorded (after the flag service answered it). */
function recordingFlagStore(inner: FlagStore, now: () => number, writes: RecordedWrite[]): FlagStore {
  const record = (flag: string, decisionId: string, from: JsonValue, to: JsonValue, result: { changed: boolean; state: FlagState }): void => {
    if (result.changed) writes.push({ atMs: now(), flag, decisionId, from, to });
  };
  return {
    environment: inner.environment,
    readFlag: (flag, strategy) => inner.readFlag(flag, strategy),
    setEnabled: async (request) => {
      const result = await inner.setEnabled(request);
      record(request.flag, request.decisionId, request.expectedEnabled ? 'on' : 'off', request.enabled ? 'on' : 'off', result);
      return result;
    },
    replaceVariantPayload: async (request) => {
      const result = await inner.replaceVariantPayload(request);
      record(request.flag, request.decisionId, request.expectedPayload, request.payload, result);
      return result;
    },
  };
}

function errorText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
