/**
 * The soak of `shiftguard serve` in short (issue 6, point 2; `npm run bench -- --only soak` runs it
 * for 10 minutes): the remote-write benchmark's fleet pushed at 10 times the sustained rate the
 * benchmark measures (measured first, on a fresh `serve`, as the bench does) for 20 s, by 200
 * Prometheus-like remote-write shards and 4 OTLP exporters, into one `serve` (SQLite state, 1 s
 * slices) that monitors an upgrade the whole time. What must hold, whatever the machine's speed:
 * overload is refused with 503 and `Retry-After`, never another status; every sample answered 2xx is
 * stored (by the ingest counters, and read back through the report of the monitored upgrade against
 * a reference store fed with exactly what was acknowledged); memory stays under the budget;
 * detection keeps evaluating; `serve` is ready and takes a fresh push after the load.
 * About 30 s of CI time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli } from './durability-service.js';
import { runSoak } from '../bench/soak.js';
import type { SoakResults } from '../bench/soak.js';

const DURATION_MS = 20_000;
const MULTIPLIER = 10;
/** Hang guard of the whole soak (calibration, start, 20 s of load, read-back), ms; it normally takes about 30 s. */
const SOAK_TIMEOUT_MS = 150_000;
/**
 * Largest gap between two evaluations the test tolerates, ms: a hang guard (detection stalled), not
 * a speed target. The soak's own check (two evaluation periods + 2 s, 6 s here) is printed with
 * the figures; on a machine shared with other test files an evaluation can come later than that
 * without detection having stopped.
 */
const EVALUATION_STALL_MS = 12_000;

let dir: string | undefined;
let soak: SoakResults;

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'shiftguard-soak-'));
  const print = (text: string): void => void process.stderr.write(`${text}\n`);
  soak = await runSoak({
    dir,
    seed: 6,
    durationMs: DURATION_MS,
    multiplier: MULTIPLIER,
    series: 4032,
    baseSamplesPerSecond: null,
    calibrationScrapes: 10,
    calibrationRounds: 2,
    otlpExporters: 4,
    otlpIntervalMs: 1000,
    progress: print,
    out: print,
  });
}, SOAK_TIMEOUT_MS);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const check = (name: string): { ok: boolean; detail: string } => {
  const found = soak.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`the soak has no check "${name}"`);
  return found;
};

describe(`serve at ${MULTIPLIER}x the benchmark's sustained rate for ${DURATION_MS / 1000} s`, () => {
  it('offered ten times the sustained rate it measured, from more pushers than serve admits at once', () => {
    expect(soak.calibration?.samplesPerSecond).toBeGreaterThan(0);
    expect(soak.plan.offeredSamplesPerSecond).toBe(MULTIPLIER * (soak.calibration?.samplesPerSecond ?? 0));
    expect(soak.figures.concurrency).toBeGreaterThan(32);
    expect(soak.figures.remoteWrite.offeredSamples).toBeGreaterThan(soak.figures.remoteWrite.tally.samplesAccepted);
  });

  it('refuses overload with 503 and Retry-After, counts every refusal, and answers nothing but 2xx and 503', () => {
    const tallies = [soak.figures.remoteWrite.tally, soak.figures.otlp.tally];
    const overloaded = tallies.reduce((n, t) => n + t.overloaded, 0);
    expect(overloaded, check('overload is answered 503').detail).toBeGreaterThan(0);
    expect(tallies.reduce((n, t) => n + t.overloadedWithRetryAfter, 0)).toBe(overloaded);
    expect(soak.figures.serverOverloaded).toBe(overloaded);
    expect(tallies.map((t) => t.other)).toEqual([{}, {}]);
  });

  it('stored every sample it answered 2xx, by its ingest counters', () => {
    const { remoteWrite, otlp } = soak.figures;
    // Under overload a sender may be refused every time (OTLP's 4 exporters sometimes are, for 20 s):
    // the property is about what was acknowledged, and remote-write's 200 shards always get some through.
    expect(remoteWrite.tally.samplesAccepted).toBeGreaterThan(0);
    expect(remoteWrite.ingestedSamples).toBe(remoteWrite.tally.samplesAccepted);
    expect(otlp.ingestedSamples).toBe(otlp.tally.samplesAccepted);
    expect(soak.figures.serverRejected).toBe(0);
    expect(soak.figures.serverFailedPushes).toBe(0);
  });

  it("stored every sample it answered 2xx, read back through the monitored upgrade's report", () => {
    const readback = soak.figures.readback;
    if (!('mismatches' in readback)) throw new Error(readback.error);
    expect(readback.mismatches).toEqual([]);
    expect(readback.groupsWithFigures).toBeGreaterThan(0);
    expect(soak.figures.referenceRejected).toBe(0);
  });

  it('kept its memory under the budget', () => {
    const m = soak.figures.memory;
    expect(m.peakRssBytes).toBeLessThanOrEqual(m.budgetBytes + m.allowanceBytes);
    expect(m.maxStoreBytes).toBeLessThanOrEqual(m.budgetBytes);
  });

  it('kept evaluating the upgrade during the load, without a failure', () => {
    const { cadence, evaluationErrors } = soak.figures;
    expect(evaluationErrors).toBe(0);
    expect(cadence.evaluations).toBeGreaterThan(0);
    expect(cadence.maxGapMs, check('detection keeps its cadence').detail).toBeLessThanOrEqual(EVALUATION_STALL_MS);
  });

  it('is ready after the load and stores a fresh push of each protocol', () => {
    expect(check('after the load: ready, and a fresh push is stored')).toMatchObject({ ok: true });
  });
});
