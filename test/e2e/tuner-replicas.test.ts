/**
 * Issue 4's replica must-show: two `serve` replicas on one PostgreSQL database, with a 5 s leader
 * lease. The leader pauses itself (SIGSTOP, through a failpoint) right before its flag write; its
 * lease runs out (PostgreSQL ends the silent session), the other replica takes over with a newer
 * epoch and carries the decision out. When the paused one resumes (SIGCONT) in the middle of its
 * write, no second change happens: Unleash's event log holds exactly one change by the tuner.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoop } from './closed-loop.js';
import type { ApiDecision, Loop } from './closed-loop.js';
import type { PushService } from './push-service.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { postgresDatabaseUrl, withPostgresAdmin } from '../support/postgres-admin.js';
import { TUNER_TOKEN_NAME, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashSkipReason('the replica test');

const EAGER = { baseDelayMs: 20, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' as const };
const DATABASE = `shiftguard_replicas_${process.pid}`;
const TIMEOUT_MS = 240_000;

let unleash: UnleashServer | undefined;
let tmp: TempDir | undefined;
let loop: Loop | undefined;
let follower: PushService | undefined;

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

async function decisionsOf(service: PushService, upgradeId: string): Promise<ApiDecision[]> {
  const response = await service.call(`/api/v1/decisions?upgrade=${encodeURIComponent(upgradeId)}`, 'viewer');
  return (await response.json()) as ApiDecision[];
}

describe.skipIf(unavailable !== null)('two replicas on one PostgreSQL', () => {
  beforeAll(async () => {
    tmp = makeTempDir('tuner-replicas');
    await admin(`CREATE DATABASE ${DATABASE}`);
    unleash = await startUnleash();
    const dir = join(tmp.path, 'replicas');
    mkdirSync(dir, { recursive: true });
    loop = await startLoop({
      name: 'replicas',
      unleash,
      dir,
      payload: EAGER,
      faults: { baseFailure: 0.08 },
      storeUrl: postgresDatabaseUrl(DATABASE),
      leaseDuration: '5s',
      serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.beforeFlagWrite=pause' },
    });
    follower = await loop.startReplica({ SHIFTGUARD_FAILPOINTS: '' });
  }, 180_000);

  afterAll(async () => {
    loop?.service.child.kill('SIGCONT');
    await loop?.stop();
    await unleash?.stop();
    await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    tmp?.remove();
  }, 60_000);

  it('exactly one replica changes the flag, also when the paused leader resumes mid-write', async () => {
    const l = loop as Loop;
    const b = follower as PushService;
    const a = l.service;
    expect(a.stdout()).toMatch(/leading \(epoch \d+\)/);

    await until('the leader pausing itself before its flag write', () => a.stderr().includes('failpoint tuner.beforeFlagWrite reached: pause'), TIMEOUT_MS, a.stderr);
    const [planned] = await decisionsOf(b, l.upgradeId);
    expect(planned).toMatchObject({ flag: l.gate, status: 'approved' });
    // The epoch the paused leader planned (and is about to write) under.
    const pausedEpoch = planned?.leaderEpoch ?? Infinity;
    expect(await unleash?.countEvents(l.gate, { createdBy: TUNER_TOKEN_NAME })).toBe(0);

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
    const byTuner = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type);
    expect(byTuner).toEqual(['feature-environment-disabled']);
    expect(await l.gateEnabled()).toBe(false);
    const after = await decisionsOf(b, l.upgradeId);
    expect(after).toHaveLength(1);
    expect(after[0]?.leaderEpoch).toBeGreaterThan(pausedEpoch);
    process.stderr.write(`replicas: the resumed leader's log after SIGCONT:\n${a.stdout().split('\n').filter((line) => /not_leader|no longer leads|drift|leading|fenced|stale/.test(line)).slice(-6).join('\n')}\n`);
  }, TIMEOUT_MS + 90_000);
});
