import { afterEach, describe, expect, it, vi } from 'vitest';
import { createUpgradeMonitor } from './upgrade-monitor.js';
import type { UpgradeMonitor } from './upgrade-monitor.js';
import { MemoryStateStore } from '../store/memory-state-store.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { nullScenario, powerScenario } from '../sim/scenarios.js';
import type { ScenarioBundle } from '../sim/upgrade-description.js';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import type { FindingRecord } from '../store/state-store.js';
import type { Report } from '../report/report.js';
import { summarize } from '../report/report.js';

const BASE = defaultConfig();
const CONFIG: ShiftguardConfig = { ...BASE, detection: { ...BASE.detection, bootstrapResamples: 100 } };

interface Harness {
  readonly store: MemoryStateStore;
  readonly monitor: UpgradeMonitor;
  readonly upgrade: Upgrade;
  readonly clock: { now: number };
  readonly resolved: FindingRecord[];
  readonly reports: Report[];
  readonly fixed: () => Promise<Report>;
}

async function harness(bundle: ScenarioBundle): Promise<Harness> {
  const store = new MemoryStateStore();
  await store.open();
  const upgrade = validateUpgrade(bundle.upgrade, 'upgrade.json');
  await store.putUpgrade({ id: upgrade.id, document: bundle.upgrade, registeredAtMs: upgrade.startedAtMs, status: 'monitoring' });
  const source = createMemoryMetricsSource(simulateFleet(bundle.scenario).series);
  const clock = { now: upgrade.startedAtMs };
  const resolved: FindingRecord[] = [];
  const reports: Report[] = [];
  const monitor = createUpgradeMonitor({
    config: CONFIG,
    store,
    source,
    now: () => clock.now,
    onFindings: (_open, done) => resolved.push(...done),
    onReport: (_id, report) => reports.push(report),
    logError: (message, error) => {
      throw new Error(`${message}: ${String(error)}`);
    },
  });
  const fixed = () => runAnalysis({ config: CONFIG, upgrade, source, now: () => new Date(clock.now) });
  return { store, monitor, upgrade, clock, resolved, reports, fixed };
}

/** Advances the clock slice by slice (plus the delay), ticking each time, until `untilMs`. */
async function monitorUntil(h: Harness, untilMs: number, onTick: () => Promise<void> = async () => undefined): Promise<void> {
  for (; h.clock.now <= untilMs; h.clock.now += CONFIG.windows.sliceMs) {
    await h.monitor.tick();
    await onTick();
  }
}

describe('createUpgradeMonitor', () => {
  it('opens a finding while the window fills, then stores the final report analyze would give', async () => {
    const h = await harness(powerScenario(3, { p99Shift: 0.25, ratePerInstance: 50, afterHours: 1, instances: 8 }));
    let openedAt: number | null = null;
    const first = await h.monitor.report(h.upgrade);
    const afterEnd = Date.parse(first.windows.after.end);
    await monitorUntil(h, afterEnd + CONFIG.monitoring.delayMs + CONFIG.windows.sliceMs, async () => {
      if (openedAt === null && (await h.store.listFindings({ open: true })).length > 0) openedAt = h.clock.now;
    });
    expect(openedAt).not.toBeNull();
    expect(openedAt ?? Infinity).toBeLessThan(afterEnd);
    const monitoring = h.reports.filter((r) => r.monitoring?.status === 'monitoring');
    expect(monitoring.length).toBeGreaterThan(30);
    expect(monitoring.every((r) => r.monitoring?.method === 'sequential')).toBe(true);

    const final = await h.monitor.report(h.upgrade);
    expect(final.monitoring).toMatchObject({ method: 'fixed', status: 'final' });
    expect((await h.store.getUpgrade(h.upgrade.id))?.status).toBe('finished');
    expect((await h.store.getReport(h.upgrade.id))?.report).toEqual(final);
    const analyze = await h.fixed();
    expect(final.groups.map((g) => [g.signal, g.verdict])).toEqual(analyze.groups.map((g) => [g.signal, g.verdict]));
    const open = await h.store.listFindings({ open: true });
    expect(open.map((f) => f.signal)).toEqual(['latency']);
    expect(h.resolved).toEqual([]);
  });

  it('raises nothing on a null upgrade, looking at every slice', async () => {
    const h = await harness(nullScenario(11));
    const first = await h.monitor.report(h.upgrade);
    await monitorUntil(h, Date.parse(first.windows.after.end) + 2 * CONFIG.windows.sliceMs + CONFIG.monitoring.delayMs);
    expect(await h.store.listFindings({})).toEqual([]);
    expect((await h.monitor.report(h.upgrade)).monitoring?.status).toBe('final');
  });

  it('keeps a raised finding in the report while monitoring, and resolves it when the final report does not confirm it', async () => {
    const h = await harness(nullScenario(12));
    const first = await h.monitor.report(h.upgrade);
    const group = first.groups.find((g) => g.signal === 'latency');
    if (group === undefined) throw new Error('no latency group');
    h.clock.now = Date.parse(first.windows.after.start) + 20 * CONFIG.windows.sliceMs;
    await h.store.upsertFinding({ upgradeId: h.upgrade.id, signal: 'latency', labels: group.labels, verdict: 'regression', statistics: [], suspects: [], atMs: h.clock.now });
    await h.monitor.tick();
    const during = await h.monitor.report(h.upgrade);
    const shown = during.groups.find((g) => g.signal === 'latency');
    expect(shown?.verdict).toBe('regression');
    expect(shown?.reason).toContain('anytime-valid');
    expect(during.summary.regressions).toBe(1);

    await monitorUntil(h, Date.parse(first.windows.after.end) + 2 * CONFIG.windows.sliceMs + CONFIG.monitoring.delayMs);
    expect(await h.store.listFindings({ open: true })).toEqual([]);
    expect(h.resolved.map((f) => f.signal)).toEqual(['latency']);
  });

  it('answers the final report from the store once finished, without reading data again', async () => {
    const h = await harness(nullScenario(13));
    h.clock.now = Date.parse('2026-04-11T00:00:00Z');
    const final = await h.monitor.report(h.upgrade);
    expect(final.monitoring?.status).toBe('final');
    const blind = createUpgradeMonitor({
      config: CONFIG,
      store: h.store,
      source: { read: () => Promise.reject(new Error('the final report must come from the store')) },
      now: () => h.clock.now,
      logError: () => undefined,
    });
    expect(await blind.report(h.upgrade)).toEqual(final);
  });
});

describe('the monitor\'s timer', () => {
  afterEach(() => vi.useRealTimers());

  /** Runs the timer for `slices` slices with evaluations that take `evaluationMs` each; returns the slice ends evaluated. */
  async function evaluatedSlices(evaluationMs: number, slices: number): Promise<number[]> {
    vi.useFakeTimers({ now: Date.parse('2026-11-22T12:00:00.300Z') });
    const config: ShiftguardConfig = { ...CONFIG, windows: { ...CONFIG.windows, sliceMs: 2000 }, monitoring: { ...CONFIG.monitoring, delayMs: 1000 } };
    const store = new MemoryStateStore();
    await store.open();
    const bundle = nullScenario(14);
    await store.putUpgrade({ id: 'sim-14', document: { ...bundle.upgrade, id: 'sim-14' }, registeredAtMs: Date.now(), status: 'monitoring' });
    const asOf: number[] = [];
    const monitor = createUpgradeMonitor({
      config,
      store,
      source: createMemoryMetricsSource([]),
      now: () => Date.now(),
      analyze: async (request) => {
        asOf.push(request.asOfMs ?? NaN);
        await new Promise((resolve) => setTimeout(resolve, evaluationMs));
        const far = new Date(Date.now() + 86_400_000).toISOString();
        return { upgrade: 'sim-14', generatedAt: new Date().toISOString(), windows: { baseline: { start: far, end: far }, after: { start: far, end: far } }, groups: [], summary: summarize([]), warnings: [], alpha: 0.01 };
      },
      logError: (message, error) => {
        throw new Error(`${message}: ${String(error)}`);
      },
    });
    monitor.start();
    await vi.advanceTimersByTimeAsync(slices * 2000);
    // Stopping waits for the evaluation in progress, whose time is fake too.
    const stopped = monitor.stop();
    await vi.advanceTimersByTimeAsync(evaluationMs);
    await stopped;
    return asOf;
  }

  it('evaluates every slice while evaluations take less than a slice, even longer than a slice less the delay', async () => {
    for (const evaluationMs of [100, 1500, 1900]) {
      const asOf = await evaluatedSlices(evaluationMs, 30);
      const steps = asOf.slice(1).map((t, i) => t - (asOf[i] as number));
      expect(asOf.length).toBeGreaterThanOrEqual(29);
      expect(new Set(steps)).toEqual(new Set([2000]));
    }
  });

  it('goes on from the newest complete slice after an evaluation longer than a slice, without a backlog', async () => {
    const asOf = await evaluatedSlices(4500, 30);
    const steps = asOf.slice(1).map((t, i) => t - (asOf[i] as number));
    // Each pass starts when the previous ends, on the slice complete then: every third slice at 4.5 s a pass.
    expect(asOf.length).toBeGreaterThanOrEqual(12);
    expect(steps.every((step) => step === 4000 || step === 6000)).toBe(true);
  });
});
