import { describe, expect, it } from 'vitest';
import { startEventLoopDelayProbe } from './event-loop-delay.js';
import type { ProbeClock } from './event-loop-delay.js';

/** A clock whose time moves only when told, and whose one pending timer fires only when the test runs it. */
function manualClock(): ProbeClock & { advance(ms: number): void; fire(): void; pending(): number } {
  let now = 0;
  let pending: { at: number; callback: () => void } | null = null;
  return {
    now: () => now,
    schedule: (callback, ms) => {
      pending = { at: now + ms, callback };
      return { cancel: () => (pending = null) };
    },
    advance: (ms) => {
      now += ms;
    },
    fire: () => {
      const due = pending;
      pending = null;
      due?.callback();
    },
    pending: () => (pending === null ? 0 : 1),
  };
}

describe('startEventLoopDelayProbe', () => {
  it('reports 0 while its timer fires on time', () => {
    const clock = manualClock();
    const probe = startEventLoopDelayProbe(100, clock);
    clock.advance(60);
    expect(probe.delayMs()).toBe(0);
    clock.advance(40);
    clock.fire();
    clock.advance(99);
    expect(probe.delayMs()).toBe(0);
  });

  it('reports how overdue its timer is while the loop is busy, and 0 again once the timer ran', () => {
    const clock = manualClock();
    const probe = startEventLoopDelayProbe(100, clock);
    // The loop is stuck in other callbacks: the timer was due at 100 and has not run by 1350.
    clock.advance(1350);
    expect(probe.delayMs()).toBe(1250);
    clock.fire();
    expect(probe.delayMs()).toBe(0);
  });

  it('stops its timer', () => {
    const clock = manualClock();
    const probe = startEventLoopDelayProbe(100, clock);
    expect(clock.pending()).toBe(1);
    probe.stop();
    expect(clock.pending()).toBe(0);
  });

  it('refuses a non-positive interval', () => {
    expect(() => startEventLoopDelayProbe(0)).toThrow(/intervalMs must be > 0/);
  });
});
