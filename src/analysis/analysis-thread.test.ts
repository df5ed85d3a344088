import { afterEach, describe, expect, it } from 'vitest';
import { AnalysisUnavailableError, createAnalysisThread } from './analysis-thread.js';
import type { AnalysisThread } from './analysis-thread.js';
import { createMemoryMetricsSource } from './memory-metrics-source.js';
import { runAnalysis } from './run-analysis.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { powerScenario } from '../sim/scenarios.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import type { MetricsData, MetricsSource, RawSeries } from '../series/model.js';

const BASE = defaultConfig();
const CONFIG: ShiftguardConfig = { ...BASE, detection: { ...BASE.detection, bootstrapResamples: 100 } };
const BUNDLE = powerScenario(3, { p99Shift: 0.3 });
const UPGRADE = validateUpgrade(BUNDLE.upgrade, 'upgrade.json');
const SERIES = simulateFleet(BUNDLE.scenario).series;
const NOW = new Date('2026-11-22T12:00:00Z');
/** The real worker, except that it exits (code 3) on a job for the upgrade `crash-the-worker`. */
const CRASHING_WORKER = new URL('../../test/support/crashing-analysis-worker.ts', import.meta.url);

/** A source whose every read hands over fresh copies of the series, as the series store's reads do. */
function owningSource(series: readonly RawSeries[]): MetricsSource & { readonly handedOver: RawSeries[] } {
  const handedOver: RawSeries[] = [];
  const inner = createMemoryMetricsSource(series);
  return {
    handedOver,
    read: async (request): Promise<MetricsData> => {
      const data = await inner.read(request);
      const fresh = data.series.map((s) => ({ ...s, timestampsMs: s.timestampsMs.slice(), values: s.values.slice() }));
      handedOver.push(...fresh);
      return { series: fresh, warnings: data.warnings, owned: true };
    },
  };
}

let thread: AnalysisThread | null = null;
afterEach(async () => {
  await thread?.close();
  thread = null;
});

describe('createAnalysisThread', () => {
  it('answers with the report runAnalysis gives on the calling thread, one look or sequential', async () => {
    thread = createAnalysisThread();
    const source = createMemoryMetricsSource(SERIES);
    const asOfMs = UPGRADE.startedAtMs + CONFIG.windows.settleMs + CONFIG.windows.afterMs / 2;
    const fixed = { config: CONFIG, upgrade: UPGRADE, source, now: () => NOW };
    const sequential = { ...fixed, asOfMs, mode: 'sequential' as const };
    const [inWorker, sequentialInWorker] = await Promise.all([thread.analyze(fixed), thread.analyze(sequential)]);
    expect(inWorker).toEqual(await runAnalysis(fixed));
    expect(inWorker.summary.regressions).toBeGreaterThan(0);
    expect(sequentialInWorker).toEqual(await runAnalysis(sequential));
    expect(sequentialInWorker.monitoring).toEqual({ asOf: new Date(asOfMs).toISOString(), method: 'sequential' });
  });

  it('moves series a source hands over and copies the ones it keeps', async () => {
    thread = createAnalysisThread();
    const owning = owningSource(SERIES);
    await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source: owning, now: () => NOW });
    expect(owning.handedOver.length).toBeGreaterThan(0);
    // Moved: the arrays now belong to the worker; the calling thread's views of them are empty.
    expect(owning.handedOver.every((s) => s.values.byteLength === 0 && s.timestampsMs.byteLength === 0)).toBe(true);
    // A source that keeps its data (views of its own arrays) still has it, and answers a second analysis the same.
    const keeping = createMemoryMetricsSource(SERIES);
    const first = await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source: keeping, now: () => NOW });
    expect(SERIES.every((s) => s.values.byteLength > 0)).toBe(true);
    expect(await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source: keeping, now: () => NOW })).toEqual(first);
  });

  it('tells how long the worker has been on the analysis it runs, and 0 while idle', async () => {
    const clock = { ms: 1000 };
    thread = createAnalysisThread({ now: () => clock.ms });
    const source = createMemoryMetricsSource(SERIES);
    expect(thread.busyForMs()).toBe(0);
    const first = thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW });
    const second = thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW });
    await new Promise((resolve) => setImmediate(resolve));
    clock.ms = 1250;
    expect(thread.busyForMs()).toBe(250);
    await first;
    // The second began when the first answered.
    clock.ms += 40;
    expect(thread.busyForMs()).toBe(40);
    await second;
    expect(thread.busyForMs()).toBe(0);
  });

  it('sends progress lines back', async () => {
    thread = createAnalysisThread();
    const lines: string[] = [];
    await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source: createMemoryMetricsSource(SERIES), now: () => NOW, onProgress: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/^read \d+ series; resolving rollouts$/);
    expect(lines.some((line) => /^signal .+: \d+ group\(s\) analysed$/.test(line))).toBe(true);
  });

  it('fails with the error the analysis threw in the worker', async () => {
    thread = createAnalysisThread();
    const [signal] = CONFIG.signals;
    // Grouping by something that is not a list of labels breaks the analysis, not the read.
    const broken = { ...CONFIG, signals: [{ ...signal, by: null }] } as unknown as ShiftguardConfig;
    const request = { config: broken, upgrade: UPGRADE, source: createMemoryMetricsSource(SERIES), now: () => NOW };
    const inProcess = await runAnalysis(request).then(
      () => null,
      (error: unknown) => error,
    );
    expect(inProcess).toBeInstanceOf(TypeError);
    await expect(thread.analyze(request)).rejects.toThrow(new TypeError((inProcess as Error).message));
    // The worker lives on.
    expect((await thread.analyze({ ...request, config: CONFIG })).upgrade).toBe(UPGRADE.id);
  });

  it('fails the analyses of a worker that dies, says so, and starts a new worker for the next', async () => {
    const exits: Error[] = [];
    thread = createAnalysisThread({ entry: CRASHING_WORKER, onWorkerExit: (error) => exits.push(error) });
    const source = createMemoryMetricsSource(SERIES);
    const message = 'the analysis worker stopped (exit code 3); the analyses it held failed and the next one starts a new worker';
    const crashing = thread.analyze({ config: CONFIG, upgrade: { ...UPGRADE, id: 'crash-the-worker' }, source, now: () => NOW });
    // Posted after the crashing job: still in the worker's inbox when it dies.
    const held = thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW });
    await expect(crashing).rejects.toThrow(message);
    await expect(crashing).rejects.toBeInstanceOf(AnalysisUnavailableError);
    await expect(held).rejects.toThrow(message);
    expect(exits.map((e) => e.message)).toEqual([message]);
    expect((await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW })).upgrade).toBe(UPGRADE.id);
  });

  it('survives a worker that runs out of memory, and starts a new one', async () => {
    const exits: Error[] = [];
    thread = createAnalysisThread({ entry: CRASHING_WORKER, resourceLimits: { maxOldGenerationSizeMb: 64 }, onWorkerExit: (error) => exits.push(error) });
    const source = createMemoryMetricsSource(SERIES);
    await expect(thread.analyze({ config: CONFIG, upgrade: { ...UPGRADE, id: 'exhaust-the-heap' }, source, now: () => NOW })).rejects.toThrow(
      /^the analysis worker stopped \(.*out of memory.*\)/,
    );
    expect(exits).toHaveLength(1);
    expect((await thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW })).upgrade).toBe(UPGRADE.id);
  });

  it('fails what is in flight on close, and everything after', async () => {
    thread = createAnalysisThread();
    const source = createMemoryMetricsSource(SERIES);
    const running = thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW }).then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await thread.close();
    expect(await running).toEqual(new AnalysisUnavailableError('the analysis thread is closed'));
    await expect(thread.analyze({ config: CONFIG, upgrade: UPGRADE, source, now: () => NOW })).rejects.toThrow('the analysis thread is closed');
  });
});
