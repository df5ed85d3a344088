/**
 * `shiftguard demo`, live: the dten story played in real time at a compressed time scale (2 s slices,
 * a one-minute baseline, 30 s verification windows) against a real `serve` on the embedded defaults
 * (SQLite, the tuner on in-memory flags):
 * - dten-gateway 4.2.1 -> 4.3.0 ships a "hybrid" routing path that slows a share of `/v1/route`
 *   requests (a tail-latency regression). No guardrails rule covers its flag, so the tuner proposes
 *   disabling it and waits for an operator (the review page's approve button).
 * - dten-sync 1.0.0 -> 2.0.0 ships a new, eager backoff strategy behind `dten.sync.backoff-v2`: its
 *   retries to the partner API rise. The guardrails allow disabling that gate, so the tuner does it
 *   on its own, verifies the effect and keeps (or reverts) it.
 * Every instance exports OTLP to `serve` as a real process would; both binaries read their flags from
 * the store the tuner writes, so its changes show in their telemetry: in-memory flags by default, or a
 * real Unleash when `options.unleash` is given (`UNLEASH_URL`, see `demo-unleash.ts`), which the tuner
 * writes through its Admin API adapter and the fleet reads with the `unleash-client` SDK.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../config/load-config.js';
import { MemoryFlagStore, MemoryFlags } from '../../flags/memory-flag-store.js';
import type { MemoryVariantSeed } from '../../flags/memory-flag-store.js';
import type { JsonValue } from '../../flags/flag-store.js';
import { startService } from '../../main.js';
import { startDtenSyncClient } from '../dten-sync/client.js';
import { V2_DEFAULTS } from '../dten-sync/backoff.js';
import type { DtenSyncClient } from '../dten-sync/client.js';
import type { UnleashFlags } from '../dten-sync/unleash-flags.js';
import { GATEWAY_FROM, GATEWAY_SERVICE, GATEWAY_TO, startLiveGateway } from './live-gateway.js';
import type { LiveGateway } from './live-gateway.js';
import { memoryBackoffFlags, memoryFlagOn } from './memory-flag-view.js';
import { prepareDemoUnleash } from './demo-unleash.js';
import type { DemoFlag, DemoUnleash } from './demo-unleash.js';
import { connectUnleashReader } from '../dten-sync/unleash-flags.js';
import type { UnleashReader } from '../dten-sync/unleash-flags.js';

export const DEMO_UPGRADE_ID = 'dten-demo';
export const SYNC_GATE = 'dten.sync.backoff-v2';
export const SYNC_TUNED = 'dten.sync.backoff';
export const GATEWAY_FLAG = 'dten.gateway.hybrid';
const INSTANCES = 4;
const STAGGER_MS = 4000;
/** How often the fleet re-reads its flags from Unleash, ms. */
const UNLEASH_REFRESH_MS = 1000;

/** The demo's flags in their starting state: every one on, dten-sync's constants the v2 defaults. */
export const DEMO_FLAGS: readonly DemoFlag[] = [
  { name: SYNC_GATE, description: 'dten-sync 2.x: use the v2 (eager) backoff strategy for partner calls' },
  { name: SYNC_TUNED, description: 'dten-sync 2.x: the v2 backoff constants (JSON variant payload)', payload: V2_DEFAULTS },
  { name: GATEWAY_FLAG, description: 'dten-gateway 4.3: route /v1/route through the hybrid path' },
];

export interface LiveDemoOptions {
  /** Where the configuration, the state store and the logs go (recreated). */
  readonly dir: string;
  /** `host:port` to listen on. */
  readonly listen: string;
  /** Seconds of traffic before the upgrade (at least the one-minute baseline). */
  readonly baselineSeconds?: number;
  readonly seed?: number;
  readonly version: string;
  readonly progress: (line: string) => void;
  /** A real Unleash to keep the flags in (null or absent: in-memory flags). */
  readonly unleash?: DemoUnleash | null;
}

export interface LiveDemo {
  readonly url: string;
  readonly tokens: { readonly viewer: string; readonly operator: string; readonly ingest: string };
  readonly upgradeId: string;
  readonly upgradeAtMs: number;
  stop(): Promise<void>;
}

/** Starts `serve`, the fleet, and registers the upgrade; resolves once the review page can show it. */
export async function startLiveDemo(options: LiveDemoOptions): Promise<LiveDemo> {
  const seed = options.seed ?? 1;
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const tokens = { viewer: token(), operator: token(), ingest: token() };
  // The demo always runs on its own SQLite file, whatever DATABASE_URL says.
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const unleash = options.unleash ?? null;
  const env = { ...inherited, ...(unleash === null ? {} : { UNLEASH_ADMIN_TOKEN: unleash.adminToken }), SHIFTGUARD_VIEWER_TOKEN: tokens.viewer, SHIFTGUARD_OPERATOR_TOKEN: tokens.operator, SHIFTGUARD_INGEST_TOKEN: tokens.ingest, SHIFTGUARD_LISTEN: options.listen };
  const guardrailsPath = join(options.dir, 'guardrails.yaml');
  writeFileSync(guardrailsPath, demoGuardrailsYaml(unleash));
  const configPath = join(options.dir, 'shiftguard.yaml');
  const configYaml = demoConfigYaml(join(options.dir, 'shiftguard.db'), guardrailsPath);
  writeFileSync(configPath, configYaml);
  const config = parseConfig(configYaml, configPath, { env });

  const fleetFlags = unleash === null ? memoryFleetFlags() : await unleashFleetFlags(unleash, options.progress);
  const logger = pino({ name: 'shiftguard', level: 'info' }, pino.destination({ dest: join(options.dir, 'serve.log'), sync: false }));
  const service = await startService({ config, env, version: options.version, logger, ...(fleetFlags.store === undefined ? {} : { flags: fleetFlags.store }) }).catch((error: unknown) => {
    fleetFlags.close();
    throw error;
  });
  const upgradeAtMs = Date.now() + Math.max(62, options.baselineSeconds ?? 66) * 1000;
  const started: { sync?: DtenSyncClient; gateway?: LiveGateway } = {};
  const stop = async (): Promise<void> => {
    await started.sync?.stop();
    await started.gateway?.stop();
    fleetFlags.close();
    await service.stop();
  };
  try {
    const registered = await fetch(`${service.url}/api/v1/upgrades`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.operator}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(demoUpgrade(upgradeAtMs)),
    });
    if (registered.status !== 201) throw new Error(`registering the demo upgrade: ${registered.status} ${await registered.text()}`);
    started.gateway = startLiveGateway({
      shiftguardUrl: service.url,
      ingestToken: tokens.ingest,
      instances: INSTANCES,
      ratePerSecond: 40,
      upgradeAtMs: (i) => upgradeAtMs + i * STAGGER_MS,
      hybridOn: fleetFlags.gatewayHybrid,
      exportIntervalMs: 1000,
      seed: seed + 1,
    });
    const clientLog = join(options.dir, 'dten-sync.log');
    writeFileSync(clientLog, '');
    started.sync = await startDtenSyncClient({
      ...fleetFlags.sync,
      shiftguardUrl: service.url,
      ingestToken: tokens.ingest,
      ratePerSecond: 50,
      instances: INSTANCES,
      upgradeAtMs,
      upgradeStaggerMs: STAGGER_MS,
      seed: seed + 2,
      exportIntervalMs: 1000,
      progressIntervalMs: 10_000,
      gateFlag: SYNC_GATE,
      tuneFlag: SYNC_TUNED,
      partnerFaults: { baseFailure: 0.08 },
      log: (line) => writeFileSync(clientLog, `${line}\n`, { flag: 'a' }),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  options.progress(`demo: serve on ${service.url}; dten-gateway and dten-sync (${INSTANCES} instances each) export OTLP to it; the upgrade rolls out at ${new Date(upgradeAtMs).toISOString()}`);
  return { url: service.url, tokens, upgradeId: DEMO_UPGRADE_ID, upgradeAtMs, stop };
}

/** Where the fleet reads its flags, and the tuner's flag store when it is not the guardrails' Unleash. */
interface FleetFlags {
  /** The tuner's flags (absent: the Unleash of the guardrails). */
  readonly store?: MemoryFlagStore;
  readonly gatewayHybrid: (instance: string) => boolean;
  /** The dten-sync client's flag options. */
  readonly sync: { readonly flags: UnleashFlags } | { readonly unleashUrl: string; readonly unleashToken: string; readonly refreshIntervalMs: number; readonly unleashInstanceId: string };
  close(): void;
}

/** The demo's flags in memory, shared by the tuner and the fleet. */
function memoryFleetFlags(): FleetFlags {
  const flags = new MemoryFlags('demo');
  for (const flag of DEMO_FLAGS) {
    const variants: MemoryVariantSeed[] = flag.payload === undefined ? [] : [{ name: 'constants', payload: { type: 'json', json: flag.payload as JsonValue } }];
    flags.define(flag.name, { enabled: true, strategies: [{ variants }] });
  }
  return { store: new MemoryFlagStore(flags), gatewayHybrid: memoryFlagOn(flags, GATEWAY_FLAG), sync: { flags: memoryBackoffFlags(flags, SYNC_GATE, SYNC_TUNED) }, close: () => undefined };
}

/** The demo's flags in a real Unleash: set up through the Admin API, read by the fleet with the SDK. */
async function unleashFleetFlags(unleash: DemoUnleash, progress: (line: string) => void): Promise<FleetFlags> {
  const prepared = await prepareDemoUnleash(unleash, DEMO_FLAGS);
  progress(
    `demo: flags ${DEMO_FLAGS.map((f) => f.name).join(', ')} set up in Unleash at ${unleash.url} (project ${unleash.project}, environment ${unleash.environment}` +
      `${prepared.created.length === 0 ? '' : `; created ${prepared.created.join(', ')}`})`,
  );
  const gateway: UnleashReader = await connectUnleashReader({
    url: unleash.url,
    clientToken: prepared.clientToken,
    appName: GATEWAY_SERVICE,
    instanceId: `${GATEWAY_SERVICE}-demo-${process.pid}`,
    refreshIntervalMs: UNLEASH_REFRESH_MS,
    startTimeoutMs: 10_000,
    warn: (line) => progress(`dten-gateway: ${line}`),
  });
  return {
    gatewayHybrid: (instance) => gateway.isEnabled(GATEWAY_FLAG, instance),
    sync: { unleashUrl: unleash.url, unleashToken: prepared.clientToken, refreshIntervalMs: UNLEASH_REFRESH_MS, unleashInstanceId: `dten-sync-demo-${process.pid}` },
    close: () => gateway.destroy(),
  };
}

/** The demo's upgrade.json: both binaries with per-instance rollout times, and the flags they ship. */
export function demoUpgrade(upgradeAtMs: number): unknown {
  const rollout = (prefix: string) => Array.from({ length: INSTANCES }, (_, i) => ({ instance: `${prefix}-${i}`, at: new Date(upgradeAtMs + i * STAGGER_MS).toISOString() }));
  return {
    id: DEMO_UPGRADE_ID,
    package: 'Full-upgrade-package-dten.zip',
    startedAt: new Date(upgradeAtMs).toISOString(),
    finishedAt: new Date(upgradeAtMs + (INSTANCES - 1) * STAGGER_MS).toISOString(),
    binaries: [
      { name: GATEWAY_SERVICE, from: GATEWAY_FROM, to: GATEWAY_TO, services: [GATEWAY_SERVICE], rollout: rollout(GATEWAY_SERVICE) },
      { name: 'dten-sync', from: '1.0.0', to: '2.0.0', services: ['dten-sync'], rollout: rollout('dten-sync') },
    ],
    flags: [
      { name: SYNC_GATE, binary: 'dten-sync' },
      { name: GATEWAY_FLAG, binary: GATEWAY_SERVICE },
    ],
  };
}

/** The compressed time scale: 2 s slices, a one-minute baseline, the tuner every 2 s. */
export function demoConfigYaml(storePath: string, guardrailsPath: string): string {
  return [
    '# shiftguard demo: the embedded defaults at a compressed time scale (written by `shiftguard demo`).',
    `store: { url: "sqlite:${storePath}" }`,
    'windows: { baseline: 60s, after: 10m, settle: 4s, slice: 2s }',
    'monitoring: { delay: 3s }',
    `tuner: { guardrails: "${guardrailsPath}", interval: 2s }`,
    'outbound: { allowLoopback: true }   # the demo\'s Unleash runs on this machine',
    '',
  ].join('\n');
}

/**
 * The demo's guardrails: dten-sync's gate and constants (the gateway's flag is left to an operator);
 * the flags in `unleash`, or in memory when null (the `unleash` section is then never called).
 */
export function demoGuardrailsYaml(unleash: DemoUnleash | null = null): string {
  return [
    `# shiftguard demo guardrails (written by \`shiftguard demo\`; the flags live ${unleash === null ? 'in memory' : 'in Unleash'}).`,
    'mode: enforce',
    unleash === null
      ? 'unleash: { url: "http://127.0.0.1:4242/api", environment: demo }'
      : `unleash: { url: ${JSON.stringify(unleash.url)}, project: ${JSON.stringify(unleash.project)}, environment: ${JSON.stringify(unleash.environment)}, tokenEnv: UNLEASH_ADMIN_TOKEN }`,
    'rules:',
    ...syncGateRuleYaml(SYNC_GATE),
    ...syncTuneRuleYaml(SYNC_TUNED),
    'limits: { cooldown: 1m, maxChangesPerDay: 6, verifyWindow: 30s }',
    '',
  ].join('\n');
}

/** The guardrails rule (YAML lines) letting the tuner disable dten-sync's backoff gate `flag`. */
export function syncGateRuleYaml(flag: string): string[] {
  return [`  - flag: ${flag}`, '    may: [disable]', '    when: { signal: retries, binary: dten-sync }'];
}

/** The guardrails rule (YAML lines) bounding dten-sync's backoff constants in `flag`'s payload. */
export function syncTuneRuleYaml(flag: string): string[] {
  return [
    `  - flag: ${flag}`,
    '    tune:',
    '      baseDelayMs:  { min: 20,   max: 400,   maxStep: 0.25 }',
    '      multiplier:   { min: 1.5,  max: 3.0,   maxStep: 0.25 }',
    '      maxDelayMs:   { min: 1000, max: 10000, maxStep: 0.5 }',
    '      maxRetries:   { min: 1,    max: 5,     maxStep: 0.5 }',
    '    when: { signal: [latency, retries], binary: dten-sync }',
    '    transientFault: 250ms',
  ];
}

function token(): string {
  return randomBytes(18).toString('base64url');
}
