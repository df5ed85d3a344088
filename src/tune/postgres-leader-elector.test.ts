import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../store/memory-state-store.js';
import { MIN_LEASE_MS, TUNER_LOCK_KEY, TUNER_LOCK_NAME, advisoryLockKey, createPostgresLeaderElector } from './postgres-leader-elector.js';

describe('postgres leader elector (without a server; see test/integration/postgres-leader-election.test.ts)', () => {
  it('pins the tuner lock key to its derivation from the lock name, a signed 64-bit integer', () => {
    expect(advisoryLockKey(TUNER_LOCK_NAME)).toBe(TUNER_LOCK_KEY);
    const key = BigInt(TUNER_LOCK_KEY);
    expect(key).toBe(BigInt.asIntN(64, key));
    expect(advisoryLockKey('shiftguard.other')).not.toBe(TUNER_LOCK_KEY);
  });

  it('refuses a lease too short for heartbeats', () => {
    const options = { url: 'postgres://127.0.0.1:1/x', store: new MemoryStateStore(), holder: 'h' };
    expect(() => createPostgresLeaderElector({ ...options, leaseMs: MIN_LEASE_MS - 1 })).toThrow(`leaseMs: expected an integer of at least ${MIN_LEASE_MS}, got ${MIN_LEASE_MS - 1}`);
    expect(() => createPostgresLeaderElector({ ...options, leaseMs: 1500.5 })).toThrow(RangeError);
    expect(createPostgresLeaderElector({ ...options, leaseMs: 1500 }).current()).toBeNull();
  });
});
