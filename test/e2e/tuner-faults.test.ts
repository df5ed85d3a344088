/**
 * Issue 4's fault must-shows, end to end with real components (see closed-loop.ts). Four loops run
 * side by side on one real unleash-server (each has its own flags), and the tests run concurrently:
 * - crash: `serve` is killed (SIGKILL through a failpoint, at exactly that point) between "decision
 *   written" and "Unleash called", and, in a second loop, between "Unleash called" and "outcome
 *   written". After a restart on the same state store nothing is applied twice (Unleash's event log
 *   holds exactly one change by the tuner) and nothing is lost (the decision goes on to be applied).
 * - outage: the tuner reaches Unleash through a fault proxy. While Unleash answers 503, and then
 *   while it refuses connections, the tuner changes nothing and raises ShiftguardUnleashUnavailable;
 *   when Unleash is back it reads the flag again, makes its one change, and the alert clears.
 * - replicas: two `serve` replicas on one PostgreSQL database with a 5 s leader lease. The leader
 *   pauses itself (SIGSTOP, through a failpoint) right before its flag write; its lease runs out
 *   (PostgreSQL ends the silent session), the other replica takes over with a newer epoch and carries
 *   the decision out. When the paused one resumes (SIGCONT) in the middle of its write, no second
 *   change happens.
 * One Unleash and overlapping baselines keep the suite to one loop's wall-clock time.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startLoop } from './closed-loop.js';
import type { ApiDecision, Loop } from './closed-loop.js';
import type { PushService } from './push-service.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { postgresDatabaseUrl, withPostgresAdmin } from '../support/postgres-admin.js';
import { TUNER_TOKEN_NAME, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import { V2_DEFAULTS } from '../../src/sim/dten-sync/backoff.js';

const unavailable = await unleashSkipReason('the tuner fault tests');

/** v2's constants as the upgrade ships them (they retry too eagerly). */
const EAGER = V2_DEFAULTS;
const DATABASE = `shiftguard_replicas_${process.pid}`;
const TIMEOUT_MS = 240_000;

interface TunerStatusJson {
  readonly lastRound: { readonly outcome: string; readonly message: string | null } | null;
  readonly alerts: readonly { readonly name: string; readonly summary: string; readonly description: string }[];
}

type Scenario = 'crashBefore' | 'crashAfter' | 'outage' | 'replicas';

let unleash: UnleashServer | undefined;
let proxy: FaultProxy | undefined;
let follower: PushService | undefined;
let tmp: TempDir | undefined;
const loops: Partial<Record<Scenario, Loop>> = {};

function loop(name: Scenario): Loop {
  const l = loops[name];
  if (l === undefined) throw new Error(`loop ${name} did not start`);
  return l;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start`);
  return value;
}

function dir(name: string): string {
  const path = join(tmp?.path ?? '.', name);
  mkdirSync(path, { recursive: true });
  return path;
}

async function admin(sql: string): Promise<void> {
  await withPostgresAdmin((client) => client.query(sql));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${log().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function crashed(l: Loop, timeoutMs: number): Promise<string> {
  const child = l.service.child;
  if (child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not crash within ${timeoutMs} ms:\n${l.service.stderr().slice(-3000)}`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return child.signalCode ?? String(child.exitCode);
}

async function tunerStatus(service: PushService): Promise<TunerStatusJson> {
  return (await (await service.call('/api/v1/tuner', 'viewer')).json()) as TunerStatusJson;
}

async function decisionsOf(service: PushService, upgradeId: string): Promise<ApiDecision[]> {
  const response = await service.call(`/api/v1/decisions?upgrade=${encodeURIComponent(upgradeId)}`, 'viewer');
  return (await response.json()) as ApiDecision[];
}

async function tunerEvents(u: UnleashServer, flag: string): Promise<string[]> {
  return (await u.listEvents(flag)).filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type);
}

describe.skipIf(unavailable !== null).concurrent('the tuner under faults, with a real Unleash', () => {
  beforeAll(async () => {
    tmp = makeTempDir('tuner-faults');
    await admin(`CREATE DATABASE ${DATABASE}`);
    unleash = await startUnleash({ progress: (line) => process.stderr.write(`${line}\n`) });
    const u = unleash;
    proxy = await startFaultProxy(u.baseUrl);
    proxy.setMode('error503');
    const common = { unleash: u, payload: EAGER, faults: { baseFailure: 0.08 } };
    const starting: [Scenario, Promise<Loop>][] = [
      ['crashBefore', startLoop({ ...common, name: 'crash-before', dir: dir('crash-before'), serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.beforeFlagWrite=crash' } })],
      ['crashAfter', startLoop({ ...common, name: 'crash-after', dir: dir('crash-after'), serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.afterFlagWrite=crash' } })],
      ['outage', startLoop({ ...common, name: 'outage', dir: dir('outage'), tunerUnleashUrl: `${proxy.url}/api` })],
      [
        'replicas',
        startLoop({
          ...common,
          name: 'replicas',
          dir: dir('replicas'),
          storeUrl: postgresDatabaseUrl(DATABASE),
          leaseDuration: '5s',
          serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.beforeFlagWrite=pause' },
        }).then(async (l) => {
          follower = await l.startReplica({ SHIFTGUARD_FAILPOINTS: '' });
          return l;
        }),
      ],
    ];
    const started = await Promise.allSettled(starting.map(([, p]) => p));
    started.forEach((s, i) => {
      const name = starting[i]?.[0];
      if (name !== undefined && s.status === 'fulfilled') loops[name] = s.value;
    });
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }, 180_000);

  afterAll(async () => {
    loops.replicas?.service.child.kill('SIGCONT');
    await Promise.allSettled(Object.values(loops).map((l) => l.stop()));
    await proxy?.stop();
    await unleash?.stop();
    await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    tmp?.remove();
  }, 60_000);

  it.for([
    ['between "decision written" and "Unleash called"', 'crashBefore', 'tuner.beforeFlagWrite', false],
    ['between "Unleash called" and "outcome written"', 'crashAfter', 'tuner.afterFlagWrite', true],
  ] as const)('killed %s: after a restart the change is applied exactly once', { timeout: TIMEOUT_MS + 120_000 }, async ([, scenario, failpoint, writtenBeforeCrash], { expect }) => {
    const l = loop(scenario);
    const u = need(unleash, 'unleash');
    expect(await crashed(l, TIMEOUT_MS)).toBe('SIGKILL');
    expect(l.service.stderr()).toContain(`failpoint ${failpoint} reached: crash`);
    expect(await tunerEvents(u, l.gate)).toHaveLength(writtenBeforeCrash ? 1 : 0);

    await l.restartService({ SHIFTGUARD_FAILPOINTS: '' });
    const decisions = await l.waitFor('the decision applied after the restart', (ds) => ds.some((d) => d.proposal.applied !== null), 60_000);
    expect(decisions).toHaveLength(1);
    const [d] = decisions;
    expect(d).toMatchObject({ flag: l.gate, requestedBy: 'tuner', approvedBy: 'guardrails' });
    expect(d?.proposal.applied).toMatchObject(writtenBeforeCrash ? { reconciled: true, changed: false } : { reconciled: false, changed: true });
    // A few more rounds of the restarted tuner change nothing further.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(await tunerEvents(u, l.gate)).toEqual(['feature-environment-disabled']);
    expect(await l.gateEnabled()).toBe(false);
    expect(await l.decisions()).toHaveLength(1);
  });

  it('Unleash down: changes nothing and alerts while it answers 503 or refuses connections; on recovery reads again and changes once', async ({ expect }) => {
    const l = loop('outage');
    const u = need(unleash, 'unleash');
    const p = need(proxy, 'the fault proxy');
    const log = (): string => l.service.stderr();
    const alerted = async (): Promise<boolean> => (await tunerStatus(l.service)).alerts.some((a) => a.name === 'ShiftguardUnleashUnavailable');
    await until('an outage alert from answers 503', alerted, TIMEOUT_MS, log);
    const during = await tunerStatus(l.service);
    expect(during.lastRound?.outcome).toBe('outage');
    expect(during.alerts.find((a) => a.name === 'ShiftguardUnleashUnavailable')?.description).toMatch(/503/);
    expect(p.requests()).toBeGreaterThan(0);

    p.setMode('refuse');
    const requestsAtRefuse = p.requests();
    await until('the tuner trying again while connections are refused', () => p.requests() > requestsAtRefuse + 2, 60_000, log);
    expect(await alerted()).toBe(true);
    expect(await u.countEvents(l.gate, { createdBy: TUNER_TOKEN_NAME })).toBe(0);
    expect(await u.countEvents(l.tuned, { createdBy: TUNER_TOKEN_NAME })).toBe(0);
    expect(await l.gateEnabled()).toBe(true);

    p.setMode('pass');
    const decisions = await l.waitFor('the change once Unleash is back', (ds) => ds.some((d) => d.proposal.applied !== null), 60_000);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.proposal.applied).toMatchObject({ changed: true });
    await until('the outage alert clearing', async () => !(await alerted()), 30_000, log);
    expect(await tunerEvents(u, l.gate)).toEqual(['feature-environment-disabled']);
  }, TIMEOUT_MS + 120_000);

  it('two replicas: exactly one changes the flag, also when the paused leader resumes mid-write', async ({ expect }) => {
    const l = loop('replicas');
    const u = need(unleash, 'unleash');
    const b = need(follower, 'the follower replica');
    const a = l.service;
    expect(a.stdout()).toMatch(/leading \(epoch \d+\)/);

    await until('the leader pausing itself before its flag write', () => a.stderr().includes('failpoint tuner.beforeFlagWrite reached: pause'), TIMEOUT_MS, a.stderr);
    const [planned] = await decisionsOf(b, l.upgradeId);
    expect(planned).toMatchObject({ flag: l.gate, status: 'approved', requestedBy: 'tuner' });
    // The epoch the paused leader planned (and is about to write) under.
    const pausedEpoch = planned?.leaderEpoch ?? Infinity;
    expect(await u.countEvents(l.gate, { createdBy: TUNER_TOKEN_NAME })).toBe(0);

    // The paused leader's lease runs out; the follower takes over with a newer epoch and applies.
    const leadsNewer = (): boolean => [...b.stdout().matchAll(/leading \(epoch (\d+)\)/g)].some((m) => Number(m[1]) > pausedEpoch);
    await until('the follower leading with a newer epoch', leadsNewer, 30_000, b.stdout);
    await until('the follower applying the decision', async () => (await decisionsOf(b, l.upgradeId)).some((d) => d.proposal.applied !== null), 30_000, b.stdout);
    const [applied] = await decisionsOf(b, l.upgradeId);
    expect(applied?.leaderEpoch).toBeGreaterThan(pausedEpoch);
    expect(applied?.proposal.applied).toMatchObject({ changed: true, reconciled: false });

    // Resumed, the old leader goes on with its write: refused as drift or a no-op, then fenced.
    a.child.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(await tunerEvents(u, l.gate)).toEqual(['feature-environment-disabled']);
    expect(await l.gateEnabled()).toBe(false);
    const after = await decisionsOf(b, l.upgradeId);
    expect(after).toHaveLength(1);
    expect(after[0]?.leaderEpoch).toBeGreaterThan(pausedEpoch);
    process.stderr.write(`replicas: the resumed leader's log after SIGCONT:\n${a.stdout().split('\n').filter((line) => /not_leader|no longer leads|drift|leading|fenced|stale/.test(line)).slice(-6).join('\n')}\n`);
  }, TIMEOUT_MS + 90_000);
});
