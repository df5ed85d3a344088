/**
 * A tuner wired to in-memory adapters for unit and property tests: the in-memory state store and
 * flag service (which records every change with its decision id), the sole-leader elector, a clock
 * the test moves, and verification outcomes the test scripts. (Verification against real data is
 * tested in verify-change.test.ts and the end-to-end tests.)
 */
import { createStoreUpgradeRegistry } from '../../src/api/upgrade-registry.js';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import { MemoryFlagStore, MemoryFlags } from '../../src/flags/memory-flag-store.js';
import type { FlagStore, JsonValue } from '../../src/flags/flag-store.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import type { FindingRecord } from '../../src/store/state-store.js';
import type { Verification } from '../../src/tune/decision-proposal.js';
import { NO_FAILPOINTS } from '../../src/tune/failpoints.js';
import { parseGuardrails } from '../../src/tune/guardrails-config.js';
import type { Guardrails } from '../../src/tune/guardrails-config.js';
import { createKillSwitch } from '../../src/tune/kill-switch.js';
import type { KillSwitch } from '../../src/tune/kill-switch.js';
import { createSoleLeader } from '../../src/tune/sole-leader.js';
import type { LeaderElector } from '../../src/tune/leader-election.js';
import { createTuner } from '../../src/tune/tuner.js';
import type { Tuner } from '../../src/tune/tuner.js';
import type { TunerAlert } from '../../src/tune/tuner-context.js';
import type { VerifyRequest } from '../../src/tune/verify-change.js';

export const T0 = Date.parse('2026-04-10T12:00:00Z');
export const GATE = 'dten.sync.backoff-v2';
export const TUNED = 'dten.sync.backoff';
export const EAGER = { baseDelayMs: 50, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' } as const;

/** The shipped guardrails' two rules (config/guardrails.yaml, the partner's transient faults declared), as YAML lines. */
export const SHIPPED_RULES = {
  gate: [`  - flag: ${GATE}`, '    may: [disable]', '    when: { signal: retries, binary: dten-sync }'],
  tune: [
    `  - flag: ${TUNED}`,
    '    tune:',
    '      baseDelayMs:  { min: 50,   max: 400,   maxStep: 0.25 }',
    '      multiplier:   { min: 1.5,  max: 3.0,   maxStep: 0.25 }',
    '      maxDelayMs:   { min: 1000, max: 10000, maxStep: 0.5 }',
    '      maxRetries:   { min: 1,    max: 5,     maxStep: 0.5 }',
    '    when: { signal: [latency, retries], binary: dten-sync }',
    '    transientFault: 250ms',
  ],
} as const;

/** Guardrails like the shipped file, with the test's mode and limits. */
export function testGuardrails(options: { mode?: 'enforce' | 'dry-run'; gate?: boolean; tune?: boolean; cooldown?: string; maxChangesPerDay?: number; verifyWindow?: string } = {}): Guardrails {
  const lines = [
    `mode: ${options.mode ?? 'enforce'}`,
    'unleash: { url: "http://127.0.0.1:4242/api", environment: production }',
    'rules:',
    ...(options.gate === false ? [] : SHIPPED_RULES.gate),
    ...(options.tune === false ? [] : SHIPPED_RULES.tune),
    'limits:',
    `  cooldown: ${options.cooldown ?? '15m'}`,
    `  maxChangesPerDay: ${options.maxChangesPerDay ?? 6}`,
    `  verifyWindow: ${options.verifyWindow ?? '10m'}`,
  ];
  return parseGuardrails(lines.join('\n'), 'test-guardrails.yaml');
}

export interface TunerHarness {
  readonly store: MemoryStateStore;
  readonly flags: MemoryFlags;
  readonly tuner: Tuner;
  readonly killSwitch: KillSwitch;
  readonly elector: LeaderElector;
  readonly guardrails: Guardrails;
  readonly config: ShiftguardConfig;
  readonly alerts: Map<string, TunerAlert>;
  /** Outcomes the next verifications return, in order (default `better`). */
  readonly outcomes: NonNullable<Verification['outcome']>[];
  /** The ratio the next verification reports for the retries group after the change (default 0.1). */
  verifiedRatio: number;
  readonly verifications: VerifyRequest[];
  now(): number;
  advance(ms: number): void;
  /** Opens (or updates) a retries regression of `peer` attributed to dten-sync. */
  openRegression(peer?: string, ratio?: { baseline: number; after: number }): Promise<FindingRecord>;
  stop(): Promise<void>;
}

/** Builds the harness; `flagStore` wraps the memory store when a test needs a failing write path. */
export async function tunerHarness(options: { guardrails?: Guardrails; flagStore?: (inner: FlagStore) => FlagStore; upgradeFlags?: readonly { name: string; binary: string }[] } = {}): Promise<TunerHarness> {
  let clock = T0;
  const now = (): number => clock;
  const store = new MemoryStateStore();
  await store.open();
  const document = {
    id: 'dten-1',
    startedAt: new Date(T0 - 3600_000).toISOString(),
    binaries: [{ name: 'dten-sync', from: '1.0.0', to: '2.0.0' }],
    flags: options.upgradeFlags ?? [],
  };
  const registry = createStoreUpgradeRegistry(store, now);
  await store.putUpgrade({ id: 'dten-1', document, registeredAtMs: T0 - 3600_000, status: 'monitoring' });
  const flags = new MemoryFlags('production');
  flags.define(GATE, { enabled: true });
  for (const f of options.upgradeFlags ?? []) if (f.name !== GATE && f.name !== TUNED) flags.define(f.name, { enabled: true });
  flags.define(TUNED, { enabled: true, strategies: [{ variants: [{ name: 'constants', payload: { type: 'json', json: EAGER as unknown as JsonValue } }] }] });
  const guardrails = options.guardrails ?? testGuardrails();
  const config = defaultConfig();
  const elector = createSoleLeader(store, 'test-replica', now);
  await elector.start();
  const killSwitch = createKillSwitch(store, guardrails.killSwitch, now);
  const alerts = new Map<string, TunerAlert>();
  const outcomes: NonNullable<Verification['outcome']>[] = [];
  const verifications: VerifyRequest[] = [];
  const flagStore = new MemoryFlagStore(flags);
  const harness: TunerHarness = {
    store,
    flags,
    killSwitch,
    elector,
    guardrails,
    config,
    alerts,
    outcomes,
    verifiedRatio: 0.1,
    verifications,
    now,
    advance: (ms) => {
      clock += ms;
    },
    tuner: createTuner({
      config,
      guardrails,
      store,
      flags: options.flagStore ? options.flagStore(flagStore) : flagStore,
      killSwitch,
      elector,
      upgradeOf: async (id) => (await registry.get(id))?.upgrade ?? null,
      reportOf: () => Promise.resolve(null),
      verify: (request) => {
        verifications.push(request);
        const outcome = outcomes.shift() ?? 'better';
        return Promise.resolve({
          ...request,
          outcome,
          judgedAtMs: clock,
          groups: [{ signal: 'retries', labels: { service: 'dten-sync', peer: 'partner' }, verdict: outcome === 'worse' ? 'regression' : 'improvement', statistics: [{ name: 'ratio', baseline: 0.6, after: harness.verifiedRatio, relativeChange: harness.verifiedRatio / 0.6 - 1, pValue: 0.001, verdict: 'improvement' }] }],
          summary: `scripted: ${outcome}`,
        });
      },
      alerts: {
        raise: (alert) => alerts.set(`${alert.name}/${alert.key}`, alert),
        clear: (name, key) => alerts.delete(`${name}/${key}`),
      },
      now,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      failpoint: NO_FAILPOINTS,
    }),
    openRegression: async (peer = 'partner', ratio = { baseline: 0.09, after: 0.6 }) =>
      (
        await store.upsertFinding({
          upgradeId: 'dten-1',
          signal: 'retries',
          labels: { service: 'dten-sync', peer },
          verdict: 'regression',
          statistics: [{ name: 'ratio', baseline: ratio.baseline, after: ratio.after, relativeChange: ratio.after / ratio.baseline - 1, verdict: 'regression', pValue: 0.0001, qValue: 0.0001 }],
          suspects: [{ binary: 'dten-sync', from: '1.0.0', to: '2.0.0', score: 0.93, evidence: ['build-info: dten-sync 2.0.0 on every upgraded instance'] }],
          atMs: clock,
        })
      ).finding,
    stop: async () => {
      await elector.stop();
      await store.close();
    },
  };
  return harness;
}
