/**
 * The tuner's closed loop with real components, for the end-to-end tests and the benchmark:
 * - a real unleash-server (shared; each loop has its own pair of flags, so loops run side by side),
 * - the flaky partner API in this process (its faults can change mid-run),
 * - the dten-sync client as a child process (`shiftguard sim-client`): reads the gate and the backoff
 *   payload through unleash-client, calls the partner, exports OTLP to shiftguard,
 * - `shiftguard serve` (built CLI) with the tuner on, acting on that Unleash.
 * The client runs v1 until `upgradeAt`, then v2 (the gate is on); the upgrade is registered right
 * after, as a deploy pipeline would. Time runs at the second scale (2 s slices, 60 s baseline, 30 s
 * verify window), so a whole loop takes a few minutes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncGateRuleYaml, syncTuneRuleYaml } from '../../src/sim/demo/live-demo.js';
import { startPartnerApi } from '../../src/sim/dten-sync/partner-api.js';
import type { PartnerApi } from '../../src/sim/dten-sync/partner-api.js';
import type { PartnerFaults } from '../../src/sim/dten-sync/partner-faults.js';
import type { BackoffConstants } from '../../src/tune/retry-model.js';
import { stopProcess } from '../support/stop-process.js';
import { createBackoffFlag, flagEnvironmentPath, replaceBackoffPayload } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import { freePort } from './free-port.js';
import { PUSH_TOKENS, startPushService } from './push-service.js';
import type { PushService } from './push-service.js';
import { CLI_PATH } from './run-cli.js';

/** A decision as `GET /api/v1/decisions` shows it, with the proposal fields the tests read. */
export interface ApiDecision {
  readonly id: string;
  readonly upgrade: string;
  readonly flag: string;
  readonly kind: string;
  readonly status: string;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  readonly leaderEpoch: number;
  readonly proposal: {
    readonly action: string;
    readonly summary: string;
    readonly mode: string;
    readonly automatic: boolean;
    readonly target: { readonly before: { readonly value: unknown }; readonly after: { readonly value: unknown } };
    readonly applied: { readonly atMs: number; readonly eventId: number | null; readonly changed: boolean; readonly reconciled: boolean } | null;
    readonly verification: {
      readonly outcome: string | null;
      readonly summary: string | null;
      readonly groups: readonly { readonly signal: string; readonly verdict: string; readonly statistics: readonly { readonly name: string; readonly baseline: number | null; readonly after: number | null }[] }[];
    } | null;
    readonly reverted: { readonly atMs: number; readonly by: string } | null;
    readonly failure: { readonly code: string; readonly message: string } | null;
  };
}

/** What a loop is about. */
export interface LoopOptions {
  /** Short name; flags are `<name>.dten.sync.backoff-v2` and `<name>.dten.sync.backoff`. */
  readonly name: string;
  readonly unleash: UnleashServer;
  readonly dir: string;
  readonly mode?: 'enforce' | 'dry-run';
  /** The legacy strategy (default 400 ms × 2). */
  readonly v1?: { readonly delayMs: number; readonly maxRetries: number };
  /** v2's constants in the tuning flag's payload. */
  readonly payload: BackoffConstants;
  readonly faults: Partial<PartnerFaults>;
  /** Partner faults from the upgrade on (a coincident change of the partner), when given. */
  readonly faultsAtUpgrade?: Partial<PartnerFaults>;
  /** Requests per second of the whole client (default 50). */
  readonly rate?: number;
  /** Seconds of v1 traffic before the upgrade (default 66: the 60 s baseline plus margin; a shorter baseline detects slower). */
  readonly baselineSeconds?: number;
  /** Extra environment of `serve` (failpoints, …). */
  readonly serviceEnv?: NodeJS.ProcessEnv;
  /** State store of `serve` (default SQLite in `dir`); a PostgreSQL URL lets replicas share it. */
  readonly storeUrl?: string;
  /** Leader lease with PostgreSQL (default 15s). */
  readonly leaseDuration?: string;
  /**
   * The guardrails rules: `gate-first` (default, as in config/guardrails.yaml), `tune-first`, or
   * `gate-only`, for a story about the gate alone: with both rules, a latency finding that happens
   * to open before the retries one gets the tune rule (the only rule for latency) first.
   */
  readonly rules?: LoopRules;
  /** Where the tuner reaches Unleash (default the server itself; a fault proxy for outage tests). */
  readonly tunerUnleashUrl?: string;
  /** Extra guardrails lines under `limits:` etc. are not needed: the defaults suit the second scale. */
  readonly verifyWindow?: string;
  readonly progress?: (line: string) => void;
}

export interface Loop {
  readonly gate: string;
  readonly tuned: string;
  readonly upgradeId: string;
  readonly upgradeAtMs: number;
  readonly partner: PartnerApi;
  service: PushService;
  /** Restarts `serve` on the same port, state store and configuration (with other environment when given). */
  restartService(env?: NodeJS.ProcessEnv): Promise<void>;
  /** Starts another replica of `serve` on the same configuration (and state store), on its own port. */
  startReplica(env?: NodeJS.ProcessEnv): Promise<PushService>;
  decisions(): Promise<ApiDecision[]>;
  /** Polls the decisions until `check` holds; resolves with them. */
  waitFor(what: string, check: (decisions: ApiDecision[]) => boolean, timeoutMs: number): Promise<ApiDecision[]>;
  gateEnabled(): Promise<boolean>;
  payload(): Promise<unknown>;
  /** Replaces the tuning flag's payload as a human does in the Unleash UI (operator token). */
  editPayloadByHand(payload: unknown): Promise<void>;
  clientLog(): string;
  stop(): Promise<void>;
}

export const LOOP_UPGRADE_VERSION = '2.0.0';

/** The serve configuration of a loop: second-scale windows, the tuner on. */
export function loopConfigYaml(options: { storeUrl?: string; leaseDuration?: string } = {}): string {
  return [
    `store: { url: "${options.storeUrl ?? 'sqlite:./data/shiftguard.db'}" }`,
    'windows: { baseline: 60s, after: 20m, settle: 4s, slice: 2s }',
    'monitoring: { delay: 3s }',
    `tuner: { guardrails: ./guardrails.yaml, interval: 2s, leaseDuration: ${options.leaseDuration ?? '15s'} }`,
    'outbound: { allowLoopback: true }',
    '',
  ].join('\n');
}

/** The loop's guardrails: the contract's two rules on the loop's flags, second-scale limits. */
/** Which guardrails rules a loop has, in which order. */
export type LoopRules = 'gate-first' | 'tune-first' | 'gate-only';

export function loopGuardrailsYaml(options: { gate: string; tuned: string; unleashUrl: string; environment: string; mode: string; verifyWindow: string; rules?: LoopRules }): string {
  const gateRule = syncGateRuleYaml(options.gate);
  const tuneRule = syncTuneRuleYaml(options.tuned);
  return [
    `mode: ${options.mode}`,
    `unleash: { url: "${options.unleashUrl}", environment: ${options.environment}, project: default, tokenEnv: UNLEASH_ADMIN_TOKEN }`,
    'rules:',
    ...{ 'gate-first': [...gateRule, ...tuneRule], 'tune-first': [...tuneRule, ...gateRule], 'gate-only': gateRule }[options.rules ?? 'gate-first'],
    `limits: { cooldown: 1m, maxChangesPerDay: 6, verifyWindow: ${options.verifyWindow} }`,
    '',
  ].join('\n');
}

/** Starts a loop and registers its upgrade; resolves once the upgrade is registered. */
export async function startLoop(options: LoopOptions): Promise<Loop> {
  const { unleash } = options;
  const say = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const gate = `${options.name}.dten.sync.backoff-v2`;
  const tuned = `${options.name}.dten.sync.backoff`;
  const envPath = (flag: string): string => flagEnvironmentPath(unleash, flag);
  await createBackoffFlag(unleash, gate);
  await createBackoffFlag(unleash, tuned, options.payload);
  mkdirSync(join(options.dir, 'data'), { recursive: true });
  writeFileSync(
    join(options.dir, 'guardrails.yaml'),
    loopGuardrailsYaml({ gate, tuned, unleashUrl: options.tunerUnleashUrl ?? unleash.url, environment: unleash.environment, mode: options.mode ?? 'enforce', verifyWindow: options.verifyWindow ?? '30s', rules: options.rules ?? 'gate-first' }),
  );
  const port = await freePort();
  const serviceEnv = (extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ UNLEASH_ADMIN_TOKEN: unleash.adminToken, LOG_LEVEL: 'info', ...options.serviceEnv, ...extra });
  const configYaml = loopConfigYaml({ ...(options.storeUrl === undefined ? {} : { storeUrl: options.storeUrl }), ...(options.leaseDuration === undefined ? {} : { leaseDuration: options.leaseDuration }) });
  let service = await startPushService(options.dir, configYaml, { env: serviceEnv(), port });
  const replicas: PushService[] = [];
  const partner = await startPartnerApi({ faults: options.faults, seed: 7 }).catch(async (error: unknown) => {
    await service.stop();
    throw error;
  });
  const upgradeAtMs = Date.now() + (options.baselineSeconds ?? 66) * 1000;
  const client = startClient({ unleash, gate, tuned, serviceUrl: service.base, partnerUrl: partner.url, upgradeAtMs, rate: options.rate ?? 50, v1: options.v1 });
  say(`${options.name}: client running; upgrade at ${new Date(upgradeAtMs).toISOString()}`);
  const upgradeId = `${options.name}-dten-2.0`;
  try {
    const untilUpgrade = upgradeAtMs - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilUpgrade)));
    if (options.faultsAtUpgrade !== undefined) partner.setFaults(options.faultsAtUpgrade);
    const registered = await service.call('/api/v1/upgrades', 'operator', {
      method: 'POST',
      body: JSON.stringify({ id: upgradeId, package: 'Full-upgrade-package-dten.zip', startedAt: new Date(upgradeAtMs).toISOString(), binaries: [{ name: 'dten-sync', from: '1.0.0', to: LOOP_UPGRADE_VERSION }], flags: [{ name: gate, binary: 'dten-sync' }] }),
    });
    if (registered.status !== 201) throw new Error(`registering ${upgradeId}: ${registered.status} ${await registered.text()}`);
  } catch (error) {
    // Nothing started here may outlive a failed start.
    await stopProcess(client.child);
    await service.stop();
    await partner.close();
    throw error;
  }
  say(`${options.name}: upgrade ${upgradeId} registered`);

  const decisions = async (): Promise<ApiDecision[]> => {
    const response = await loop.service.call(`/api/v1/decisions?upgrade=${encodeURIComponent(upgradeId)}`, 'viewer');
    if (!response.ok) throw new Error(`GET /api/v1/decisions: ${response.status} ${await response.text()}`);
    return (await response.json()) as ApiDecision[];
  };
  const loop: Loop = {
    gate,
    tuned,
    upgradeId,
    upgradeAtMs,
    partner,
    service,
    restartService: async (env) => {
      await loop.service.stop();
      service = await startPushService(options.dir, configYaml, { env: serviceEnv(env), port });
      loop.service = service;
    },
    startReplica: async (env) => {
      const replica = await startPushService(options.dir, configYaml, { env: serviceEnv(env) });
      replicas.push(replica);
      return replica;
    },
    decisions,
    waitFor: async (what, check, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let seen: ApiDecision[] = [];
        try {
          seen = await decisions();
          if (check(seen)) return seen;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
        if (Date.now() > deadline) {
          const state = await describeLoopState(loop.service, upgradeId, upgradeAtMs);
          throw new Error(`${options.name}: ${what} not within ${timeoutMs} ms; decisions: ${JSON.stringify(seen.map((d) => [d.id, d.flag, d.status, d.proposal.summary]))}\n${state}\nservice log tail:\n${loop.service.stderr().slice(-1000)}${loop.service.stdout().slice(-3000)}\nclient log tail:\n${client.log().slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    gateEnabled: async () => {
      const body = (await unleash.adminOk('GET', envPath(gate))) as { enabled: boolean };
      return body.enabled;
    },
    payload: async () => {
      const body = (await unleash.adminOk('GET', envPath(tuned))) as { strategies: { variants: { payload?: { value: string } }[] }[] };
      const text = body.strategies[0]?.variants[0]?.payload?.value;
      return text === undefined ? null : (JSON.parse(text) as unknown);
    },
    editPayloadByHand: (payload) => replaceBackoffPayload(unleash, tuned, payload),
    clientLog: () => client.log(),
    stop: async () => {
      await stopProcess(client.child);
      await Promise.all(replicas.map((r) => r.stop()));
      await loop.service.stop();
      await partner.close();
    },
  };
  return loop;
}

function startClient(options: {
  unleash: UnleashServer;
  gate: string;
  tuned: string;
  serviceUrl: string;
  partnerUrl: string;
  upgradeAtMs: number;
  rate: number;
  v1: LoopOptions['v1'];
}): { child: ChildProcess; log(): string } {
  const args = [
    'sim-client',
    '--unleash-url', options.unleash.url,
    '--shiftguard-url', options.serviceUrl,
    '--partner-url', options.partnerUrl,
    '--rate', String(options.rate),
    '--instances', '4',
    '--upgrade-at', String(options.upgradeAtMs),
    '--refresh-interval', '1s',
    '--export-interval', '1s',
    '--progress-interval', '10s',
    '--gate-flag', options.gate,
    '--tune-flag', options.tuned,
    '--seed', '11',
    ...(options.v1 === undefined ? [] : ['--v1-delay', `${options.v1.delayMs}ms`, '--v1-max-retries', String(options.v1.maxRetries)]),
  ];
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, UNLEASH_CLIENT_TOKEN: options.unleash.clientToken, SHIFTGUARD_INGEST_TOKEN: PUSH_TOKENS.ingest },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return { child, log: () => log };
}

/** The retries-per-request statistic of a verified decision (before, after the change). */
export function verifiedRatio(d: ApiDecision): { before: number | null; after: number | null } {
  const group = d.proposal.verification?.groups.find((g) => g.signal === 'retries');
  const ratio = group?.statistics.find((s) => s.name === 'ratio');
  return { before: ratio?.baseline ?? null, after: ratio?.after ?? null };
}

/** What a loop's service says of its upgrade, for a timeout's message: findings (when each opened), each report group's statistics and the tuner's reasons for not acting. */
async function describeLoopState(service: PushService, upgradeId: string, upgradeAtMs: number): Promise<string> {
  const id = encodeURIComponent(upgradeId);
  const read = async <T>(path: string, show: (body: T) => string): Promise<string> => {
    try {
      return show((await (await service.call(path, 'viewer')).json()) as T);
    } catch (error) {
      return String(error);
    }
  };
  const findings = await read<{ id: string; signal: string; labels: Record<string, string>; openedAt: string; resolvedAt?: string | null }[]>(`/api/v1/findings?all=true&upgrade=${id}`, (list) =>
    list.map((f) => `${f.id} ${f.signal} ${JSON.stringify(f.labels)} opened ${((Date.parse(f.openedAt) - upgradeAtMs) / 1000).toFixed(1)} s after the upgrade${f.resolvedAt == null ? '' : ', resolved'}`).join('; '),
  );
  type Group = { signal: string; labels: Record<string, string>; verdict: string; notes?: string[]; statistics: { name: string; verdict: string; pValue?: number | null; reason?: string; test: string }[] };
  const report = await read<{ groups?: Group[] }>(`/api/v1/upgrades/${id}/report`, (body) =>
    (body.groups ?? []).map((g) => `${g.signal} ${JSON.stringify(g.labels)} ${g.verdict}: ${g.statistics.map((st) => `${st.name} ${st.verdict} p=${String(st.pValue)} ${st.reason ?? st.test}`).join(' | ')} [${(g.notes ?? []).join('; ')}]`).join('\n'),
  );
  const tuner = await read<unknown>('/api/v1/tuner', (body) => JSON.stringify(body));
  return `findings: ${findings}\nreport:\n${report.slice(0, 4000)}\ntuner: ${tuner.slice(0, 3000)}`;
}
