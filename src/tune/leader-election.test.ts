import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LeaderSignal, leaderHolder } from './leader-election.js';
import type { ElectorLogger } from './leader-election.js';

describe('LeaderSignal', () => {
  it('notifies changes only, keeps notifying when a listener throws, and unsubscribes', () => {
    const logged: string[] = [];
    const logger: ElectorLogger = { info: () => undefined, warn: () => undefined, error: (_d, message) => logged.push(message) };
    const signal = new LeaderSignal(logger);
    const seen: (number | null)[] = [];
    signal.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = signal.subscribe((epoch) => seen.push(epoch));
    signal.set(null);
    signal.set(3);
    signal.set(3);
    signal.set(null);
    unsubscribe();
    signal.set(4);
    expect(seen).toEqual([3, null]);
    expect(signal.get()).toBe(4);
    expect(logged).toEqual(['leader change listener threw', 'leader change listener threw', 'leader change listener threw']);
  });
});

describe('leaderHolder', () => {
  it('names host, process and a uuid that tells restarts apart', () => {
    const holder = leaderHolder();
    expect(holder).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${process.pid}/[0-9a-f-]{36}$`));
    expect(leaderHolder()).not.toBe(holder);
  });
});
