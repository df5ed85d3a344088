import { describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from '../store/contract-fixtures.js';
import { MemoryStateDatabase, MemoryStateStore } from '../store/memory-state-store.js';
import { StoreFencedError } from '../store/store-error.js';
import type { ElectorLogger } from './leader-election.js';
import { createSoleLeader } from './sole-leader.js';

async function openStore(database = new MemoryStateDatabase()): Promise<MemoryStateStore> {
  const store = new MemoryStateStore(database);
  await store.open();
  return store;
}

/** A logger that keeps `level message` lines. */
function recordingLogger(): ElectorLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (_details, message) => lines.push(`info ${message}`),
    warn: (_details, message) => lines.push(`warn ${message}`),
    error: (_details, message) => lines.push(`error ${message}`),
  };
}

describe('createSoleLeader', () => {
  it('claims one term at start, however often start is called, and confirms it', async () => {
    const store = await openStore();
    const leader = createSoleLeader(store, 'host-a/1/u', () => T0);
    const changes: (number | null)[] = [];
    leader.onChange((epoch) => changes.push(epoch));
    expect(leader.current()).toBeNull();
    expect(await leader.confirm()).toBeNull();
    await Promise.all([leader.start(), leader.start()]);
    await leader.start();
    expect(leader.current()).toBe(1);
    expect(await leader.confirm()).toBe(1);
    expect(changes).toEqual([1]);
    expect(await store.currentLeaderTerm()).toEqual({ epoch: 1, holder: 'host-a/1/u', claimedAtMs: T0 });
    expect((await store.listAudit({ limit: 10 })).map((row) => row.action)).toEqual(['leader.elected']);
  });

  it('steps down on stop, once, and claims a newer term when started again', async () => {
    const store = await openStore();
    let now = T0;
    const leader = createSoleLeader(store, 'host-a', () => now);
    const changes: (number | null)[] = [];
    const unsubscribe = leader.onChange((epoch) => changes.push(epoch));
    await leader.start();
    await leader.stop();
    await leader.stop();
    expect(leader.current()).toBeNull();
    expect(await leader.confirm()).toBeNull();
    now = T0 + 1_000;
    await leader.start();
    expect(leader.current()).toBe(2);
    unsubscribe();
    await leader.stop();
    expect(changes).toEqual([1, null, 2]);
    expect(await store.currentLeaderTerm()).toEqual({ epoch: 2, holder: 'host-a', claimedAtMs: T0 + 1_000 });
  });

  it('steps down when another process claims a newer term on the same database, whose writes then win', async () => {
    const database = new MemoryStateDatabase();
    const [storeA, storeB] = [await openStore(database), await openStore(database)];
    await storeA.putUpgrade(upgradeRecord('u1', T0));
    const logger = recordingLogger();
    const first = createSoleLeader(storeA, 'host-a', () => T0, logger);
    const second = createSoleLeader(storeB, 'host-b', () => T0 + 1);
    const changes: (number | null)[] = [];
    first.onChange((epoch) => changes.push(epoch));
    await first.start();
    await second.start();
    expect(first.current()).toBe(1);
    await expect(storeA.createDecision(decisionInput('u1', { leaderEpoch: 1 }))).rejects.toBeInstanceOf(StoreFencedError);
    expect(await first.confirm()).toBeNull();
    expect(first.current()).toBeNull();
    expect(changes).toEqual([1, null]);
    expect(logger.lines).toEqual([
      'info leading the tuner as the sole replica',
      'error another process claimed a newer leadership term on this database; stepping down (SQLite serves one replica)',
    ]);
    expect(await second.confirm()).toBe(2);
  });

  it('rejects start when the store refuses the claim, and answers null without stepping down while the store is away', async () => {
    const store = new MemoryStateStore();
    const logger = recordingLogger();
    const leader = createSoleLeader(store, 'host-a', () => T0, logger);
    await expect(leader.start()).rejects.toMatchObject({ code: 'not_open' });
    expect(leader.current()).toBeNull();
    await store.open();
    await leader.start();
    await store.close();
    expect(await leader.confirm()).toBeNull();
    expect(leader.current()).toBe(1);
    expect(logger.lines.at(-1)).toBe('warn cannot confirm leadership: the state store did not answer');
    await store.open();
    expect(await leader.confirm()).toBe(1);
  });
});
