/**
 * Leader election over a real PostgreSQL (`src/tune/postgres-leader-elector.ts`): two electors in
 * this process, and leaders in child processes (`test/support/leader-child.ts`) that are paused
 * with SIGSTOP past their lease or killed with SIGKILL, on a database of this run that is dropped
 * afterwards. Leases are short (1.5 s); every wait is on an event, with a deadline derived from the
 * lease. Skipped with a warning when PostgreSQL is unreachable, except under `CI`.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from '../../src/store/contract-fixtures.js';
import { PostgresStateStore } from '../../src/store/postgres-state-store.js';
import { StoreFencedError } from '../../src/store/store-error.js';
import type { ElectorLogger, LeaderElector } from '../../src/tune/leader-election.js';
import { createPostgresLeaderElector } from '../../src/tune/postgres-leader-elector.js';
import { spawnLeaderChild } from '../support/leader-child.js';
import type { LeaderChild } from '../support/leader-child.js';
import { postgresDatabaseUrl, withPostgresAdmin, POSTGRES_ADMIN_URL, postgresUnreachableReason } from '../support/postgres-admin.js';

const LEASE_MS = 1_500;
/** Lease until PostgreSQL ends a silent session, a follower poll (lease/3), the claim, and room for a loaded machine. */
const TAKEOVER_MS = 4 * LEASE_MS;
/** A child boots tsx, connects and migrates before its first tick. */
const CHILD_START_MS = 30_000;
const DATABASE = `shiftguard_test_leader_${process.pid}_${Date.now().toString(36)}`;

const unreachable = await postgresUnreachableReason();
if (unreachable !== null) {
  const message = `PostgreSQL is unreachable at ${POSTGRES_ADMIN_URL} (${unreachable}); start it or set SHIFTGUARD_TEST_POSTGRES_URL`;
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(`CI requires PostgreSQL for the leader-election test: ${message}`);
  console.warn(`SKIPPED postgres-leader-election integration test: ${message}`);
}

const admin = <T>(body: (client: pg.Client) => Promise<T>): Promise<T> => withPostgresAdmin(body, POSTGRES_ADMIN_URL);

const databaseUrl = (name: string): string => postgresDatabaseUrl(name, POSTGRES_ADMIN_URL);

/** The next change of `elector` that `match` accepts; rejects after `timeoutMs`. Subscribe before causing it. */
function nextChange(elector: LeaderElector, what: string, match: (epoch: number | null) => boolean, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = elector.onChange((epoch) => {
      if (!match(epoch)) return;
      clearTimeout(timer);
      off();
      resolve(epoch);
    });
  });
}

describe.skipIf(unreachable !== null)('PostgreSQL leader election', () => {
  const url = databaseUrl(DATABASE);
  const store = new PostgresStateStore({ url });
  const electors: LeaderElector[] = [];
  const children: LeaderChild[] = [];
  const logs: string[] = [];
  const logger: ElectorLogger = {
    info: (details, message) => logs.push(`info ${message} ${JSON.stringify(details)}`),
    warn: (details, message) => logs.push(`warn ${message} ${JSON.stringify(details)}`),
    error: (details, message) => logs.push(`error ${message} ${JSON.stringify(details)}`),
  };

  /** An elector of this process as `holder`, stopped after the test. */
  function elector(holder: string): LeaderElector {
    const created = createPostgresLeaderElector({ url, store, holder, leaseMs: LEASE_MS, logger, applicationName: `${DATABASE}_${holder}` });
    electors.push(created);
    return created;
  }

  /** A child replica that leads: started while no other elector runs, so it wins the lock at once. */
  async function leadingChild(holder: string): Promise<{ child: LeaderChild; epoch: number }> {
    const child = await spawnLeaderChild(url, holder, LEASE_MS, CHILD_START_MS);
    children.push(child);
    const change = await child.waitFor('the child to lead', (m) => m.event === 'change' && m.epoch !== null, TAKEOVER_MS);
    return { child, epoch: (change as { epoch: number }).epoch };
  }

  beforeAll(async () => {
    await admin((client) => client.query(`CREATE DATABASE ${DATABASE}`));
    await store.open();
    await store.putUpgrade(upgradeRecord('u1', T0));
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    expect(logs.filter((line) => line.startsWith('error'))).toEqual([]);
    logs.length = 0;
  });
  afterAll(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await store.close();
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
  });

  it('lets exactly one of two electors lead, and hands over with a newer epoch within the lease when it stops', async () => {
    const [a, b] = [elector('a'), elector('b')];
    await Promise.all([a.start(), b.start()]);
    const leading = [a, b].filter((e) => e.current() !== null);
    expect(leading).toHaveLength(1);
    const [leader, follower] = leading[0] === a ? [a, b] : [b, a];
    const first = leader.current() as number;
    expect(await leader.confirm()).toBe(first);
    expect(await follower.confirm()).toBeNull();
    expect(await store.currentLeaderTerm()).toMatchObject({ epoch: first, holder: leader === a ? 'a' : 'b' });

    const handover = nextChange(follower, 'the follower to lead', (epoch) => epoch !== null, LEASE_MS);
    const steppedDown = nextChange(leader, 'the leader to step down', (epoch) => epoch === null, LEASE_MS);
    await leader.stop();
    await leader.stop();
    expect(await steppedDown).toBeNull();
    expect(await handover).toBe(first + 1);
    expect(leader.current()).toBeNull();
    expect(await follower.confirm()).toBe(first + 1);
    await expect(store.createDecision(decisionInput('u1', { leaderEpoch: first }))).rejects.toBeInstanceOf(StoreFencedError);
  });

  it('replaces a leader paused past its lease; resumed, it has stepped down and its writes are fenced', async () => {
    const { child, epoch: childEpoch } = await leadingChild('paused');
    const follower = elector('successor');
    await follower.start();
    expect(follower.current()).toBeNull();

    const takeover = nextChange(follower, 'the successor to lead', (epoch) => epoch !== null, TAKEOVER_MS);
    child.process.kill('SIGSTOP');
    const epoch = (await takeover) as number;
    expect(epoch).toBeGreaterThan(childEpoch);
    child.process.kill('SIGCONT');

    // Asked at once, before the child has necessarily processed its failed heartbeat.
    expect(await child.request({ cmd: 'current' }, TAKEOVER_MS)).toMatchObject({ epoch: null });
    expect(await child.request({ cmd: 'confirm' }, TAKEOVER_MS)).toMatchObject({ epoch: null });
    const write = await child.request({ cmd: 'write', upgradeId: 'u1', leaderEpoch: childEpoch }, TAKEOVER_MS);
    expect(write.error).toEqual({
      code: 'stale_leader', name: 'StoreFencedError',
      message: `new decision on flag "dten.sync.backoff" of upgrade "u1": written by leader epoch ${childEpoch}, but epoch ${epoch} leads now`,
    });
    await child.waitFor('the child to step down', (m) => m.event === 'change' && m.epoch === null, TAKEOVER_MS);
    expect(child.messages.filter((m) => m.event === 'change')).toEqual([{ event: 'change', epoch: childEpoch }, { event: 'change', epoch: null }]);
    expect(await follower.confirm()).toBe(epoch);
    expect(await store.listDecisions({ upgradeId: 'u1' })).toEqual([]);
    expect(await child.request({ cmd: 'stop' }, TAKEOVER_MS)).toMatchObject({ event: 'reply' });
  });

  it('replaces a leader killed with SIGKILL', async () => {
    const { child, epoch: childEpoch } = await leadingChild('killed');
    const follower = elector('heir');
    await follower.start();
    const takeover = nextChange(follower, 'the heir to lead', (epoch) => epoch !== null, TAKEOVER_MS);
    child.process.kill('SIGKILL');
    expect(await takeover).toBe(childEpoch + 1);
    expect(await store.currentLeaderTerm()).toMatchObject({ epoch: childEpoch + 1, holder: 'heir' });
  });

  it('steps down at once when PostgreSQL ends its lock session, then campaigns again for a new term', async () => {
    const leader = elector('terminated');
    await leader.start();
    const first = leader.current() as number;
    expect(first).not.toBeNull();
    const changes: (number | null)[] = [];
    leader.onChange((epoch) => changes.push(epoch));
    const reelected = nextChange(leader, 'a new term', (epoch) => epoch !== null, TAKEOVER_MS);
    await admin((client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`${DATABASE}_terminated`]));
    expect(await reelected).toBe(first + 1);
    expect(changes).toEqual([null, first + 1]);
    expect(logs.some((line) => line.startsWith('warn stepped down: the leader lock connection failed'))).toBe(true);
  });
});
