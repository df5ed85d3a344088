/**
 * Small builders of detection inputs for unit tests: instance tracks written as state strings,
 * count and histogram panels on a one-minute grid, Poisson panels from a seeded generator, and
 * detection settings. Pure helpers; no I/O.
 */
import type { SliceGrid } from '../../src/series/model.js';
import { BASE, CTRL, IGNORE, TREAT } from '../../src/detect/panel.js';
import type { CountPanel, CountRow, HistogramPanel, InstanceTrack } from '../../src/detect/panel.js';
import type { DetectionSettings } from '../../src/detect/statistic.js';
import type { Rng } from '../../src/detect/random.js';
import { normal, poisson } from '../../src/sim/distributions.js';

/** One minute, the usual slice width, ms. */
export const MINUTE_MS = 60_000;

/** A grid of `count` one-minute slices starting at `startMs` (default 0). */
export function minuteGrid(count: number, startMs = 0): SliceGrid {
  return { startMs, sliceMs: MINUTE_MS, count };
}

const STATE_OF: Readonly<Record<string, number>> = { B: BASE, T: TREAT, C: CTRL, '.': IGNORE };

/** Window states from a pattern: B = BASE, T = TREAT, C = CTRL, `.` = IGNORE (spaces are skipped). */
export function statesOf(pattern: string): Uint8Array {
  const chars = [...pattern.replace(/ /g, '')];
  return Uint8Array.from(chars, (c) => {
    const state = STATE_OF[c];
    if (state === undefined) throw new Error(`statesOf: unknown state character "${c}" in "${pattern}"`);
    return state;
  });
}

/** The pattern of a state array (inverse of `statesOf`). */
export function patternOf(state: Uint8Array): string {
  const names = ['.', 'B', 'T', 'C'];
  return Array.from(state, (s) => names[s] ?? '?').join('');
}

/** A track from a pattern; the rollout times (ms) default to the first TREAT slice of a one-minute grid. */
export function trackOf(instance: string, pattern: string, upgradedMs?: number | null): InstanceTrack {
  const state = statesOf(pattern);
  const firstTreat = state.indexOf(TREAT);
  const at = upgradedMs !== undefined ? upgradedMs : firstTreat >= 0 ? firstTreat * MINUTE_MS : null;
  return { instance, state, upgradedFromMs: at, upgradedToMs: at };
}

/** A count panel on a one-minute grid from rows (the grid length is taken from the first track). */
export function countPanel(rows: readonly CountRow[], grid?: SliceGrid): CountPanel {
  return { grid: grid ?? minuteGrid(rows[0]?.track.state.length ?? 0), instances: rows };
}

/** A count row whose events and exposure per slice come from functions of the slice index. */
export function countRow(track: InstanceTrack, events: (t: number) => number, exposure: (t: number) => number): CountRow {
  const m = track.state.length;
  return { track, y: Float64Array.from({ length: m }, (_, t) => events(t)), n: Float64Array.from({ length: m }, (_, t) => exposure(t)) };
}

/** A histogram panel on a one-minute grid: per row, per slice, non-cumulative bucket counts. */
export function histogramPanel(bounds: readonly number[], rows: readonly { track: InstanceTrack; counts: (t: number) => readonly number[] }[]): HistogramPanel {
  const m = rows[0]?.track.state.length ?? 0;
  return {
    grid: minuteGrid(m),
    bounds,
    instances: rows.map(({ track, counts }) => {
      const flat = new Float64Array(m * bounds.length);
      for (let t = 0; t < m; t++) {
        const c = counts(t);
        if (c.length !== bounds.length) throw new Error(`histogramPanel: slice ${t} has ${c.length} buckets, expected ${bounds.length}`);
        flat.set(c, t * bounds.length);
      }
      return { track, counts: flat };
    }),
  };
}

/** Poisson bucket counts with means `total · shares[k]`, from `rng`. */
export function poissonHistogram(rng: Rng, total: number, shares: readonly number[]): number[] {
  return shares.map((p) => poisson(rng, total * p));
}

/** Detection settings for tests; every field can be overridden. */
export function testSettings(overrides: Partial<DetectionSettings> = {}): DetectionSettings {
  return {
    alpha: 0.05,
    confidenceLevel: 0.95,
    resamples: 200,
    seed: 1,
    minSlices: 5,
    minTailEvents: 10,
    minRatioEvents: 10,
    minControlShare: 0.2,
    ...overrides,
  };
}

/** A stationary AR(1) path of length m with coefficient `phi` and stationary variance `variance`. */
export function ar1Path(rng: Rng, m: number, phi: number, variance: number): Float64Array {
  const out = new Float64Array(m);
  const innovationSd = Math.sqrt(variance * (1 - phi * phi));
  let x = normal(rng, 0, Math.sqrt(variance));
  for (let t = 0; t < m; t++) {
    if (t > 0) x = phi * x + normal(rng, 0, innovationSd);
    out[t] = x;
  }
  return out;
}
