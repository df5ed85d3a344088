/**
 * How far behind the event loop is, right now. A probe timer is due every `intervalMs`; while it is
 * overdue, the loop is busy with other callbacks (a long I/O phase full of pushes, a long synchronous
 * evaluation), and the delay is by how much. Unlike `monitorEventLoopDelay` (a histogram read at the
 * next scrape), this sees a loop falling behind while it falls behind, so a push handled late in a
 * long I/O phase can still be refused before it makes the loop later.
 */

/** The probe's view of time and timers (injected in tests). */
export interface ProbeClock {
  /** Monotonic time, ms. */
  now(): number;
  /** Runs `callback` once after `ms`; the timer must not keep the process alive. */
  schedule(callback: () => void, ms: number): { cancel(): void };
}

/** A running probe. */
export interface EventLoopDelayProbe {
  /** How long the probe's timer is overdue now, ms (0 while the loop keeps up). */
  delayMs(): number;
  /** Stops the probe's timer. */
  stop(): void;
}

/** Real time: `performance.now()` and an unref'd `setTimeout`. */
const REAL_CLOCK: ProbeClock = {
  now: () => performance.now(),
  schedule: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Starts a probe whose timer is due every `intervalMs`. @throws RangeError when the interval is not positive. */
export function startEventLoopDelayProbe(intervalMs: number, clock: ProbeClock = REAL_CLOCK): EventLoopDelayProbe {
  if (!(intervalMs > 0)) throw new RangeError(`event-loop delay probe: intervalMs must be > 0, got ${intervalMs}`);
  let dueAt = clock.now() + intervalMs;
  let timer: { cancel(): void } | null = null;
  const tick = (): void => {
    dueAt = clock.now() + intervalMs;
    timer = clock.schedule(tick, intervalMs);
  };
  timer = clock.schedule(tick, intervalMs);
  return {
    delayMs: () => Math.max(0, clock.now() - dueAt),
    stop: () => {
      timer?.cancel();
      timer = null;
    },
  };
}
