/**
 * Continuous detection of registered upgrades. From registration to the end of the after window,
 * every slice (once `monitoring.delay` has passed after its end) is evaluated with the anytime-valid
 * sequential test: looking every slice keeps the chance of a false regression per upgrade at
 * `alpha`. A regression opens a finding at once and stays open while the window fills (a crossing
 * of the anytime-valid boundary is valid whenever it happens). When the window is complete, the
 * final report is the one-look analysis of `analyze` on the same data; it is stored, findings it
 * confirms stay open, the others are resolved, and the upgrade is `finished`.
 *
 * Data comes from the analysis source (pushed series, else the configured pull source), read anew
 * at each evaluation, so after a restart the windows are rebuilt from the pull source.
 */
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import type { Report, ReportGroup } from '../report/report.js';
import { summarize } from '../report/report.js';
import { labelsKey } from '../series/model.js';
import type { MetricsSource } from '../series/model.js';
import type { FindingRecord, FindingStore, UpgradeStore } from '../store/state-store.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { recordFindings } from './record-findings.js';
import type { FindingChanges } from './record-findings.js';

/** What the monitor needs; all I/O is injected. */
export interface UpgradeMonitorDeps {
  readonly config: ShiftguardConfig;
  readonly store: UpgradeStore & FindingStore;
  /** Where analyses read series (pushed data, else the pull source). */
  readonly source: MetricsSource;
  readonly now: () => number;
  /** Runs one analysis (the engine, possibly wrapped with metrics and tracing). */
  readonly analyze?: typeof runAnalysis;
  /** After each evaluation: every open finding (all upgrades) and those resolved by it. */
  readonly onFindings?: (open: readonly FindingRecord[], resolved: readonly FindingRecord[]) => void;
  /** After each evaluation: the report it produced. */
  readonly onReport?: (upgradeId: string, report: Report) => void;
  readonly logError: (message: string, error: unknown) => void;
  /**
   * After each timer pass: what failed in it (empty when every monitored upgrade was evaluated).
   * `upgradeId` is null when the pass failed as a whole (the upgrades could not be listed).
   */
  readonly onPass?: (failures: readonly MonitorFailure[]) => void;
  /**
   * Whether this replica records what it sees (findings, the final report, the upgrade's status).
   * With several replicas on one database only the leader does, so two never race on the same
   * finding; the others still answer report requests. Absent: always.
   */
  readonly records?: () => boolean;
}

/** One failure of a monitoring pass. */
export interface MonitorFailure {
  readonly upgradeId: string | null;
  readonly error: unknown;
}

export interface UpgradeMonitor {
  /** Evaluates every upgrade still monitored, now; resolves with what failed (the timer's passes also hand it to `onPass`). */
  tick(): Promise<MonitorFailure[]>;
  /** The current report of a registered upgrade: the stored final one, or an evaluation as of now. */
  report(upgrade: Upgrade): Promise<Report>;
  /** Evaluates at every slice from now on (and once at once). */
  start(): void;
  /** Stops the timer and waits for a running evaluation. */
  stop(): Promise<void>;
}

/** Creates the monitor; nothing runs until `start`, `tick` or `report`. */
export function createUpgradeMonitor(deps: UpgradeMonitorDeps): UpgradeMonitor {
  const { config } = deps;
  const analyze = deps.analyze ?? runAnalysis;
  const sliceMs = config.windows.sliceMs;
  /** Last sequential report per upgrade, with the slice it was computed as of. */
  const latest = new Map<string, { asOfMs: number; report: Report }>();
  /** One evaluation at a time per upgrade (timer and API requests share it). */
  const running = new Map<string, Promise<Report>>();
  let active = false;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  /** The slice end the latest timer pass evaluated up to (null before the first). */
  let passedUntil: number | null = null;

  /** The newest slice end whose data is complete (delay allowed for). */
  const completeUntil = (): number => Math.floor((deps.now() - config.monitoring.delayMs) / sliceMs) * sliceMs;

  async function evaluate(upgrade: Upgrade): Promise<Report> {
    const stored = await deps.store.getReport(upgrade.id);
    if (stored !== null) return stored.report as Report;
    const asOfMs = completeUntil();
    const cached = latest.get(upgrade.id);
    if (cached !== undefined && cached.asOfMs === asOfMs) return cached.report;
    const atMs = deps.now();
    const look = await analyze({ config, upgrade, source: deps.source, asOfMs, mode: 'sequential', now: () => new Date(atMs) });
    const changes: FindingChanges = { resolved: [] };
    const records = deps.records?.() ?? true;
    let report: Report;
    if (asOfMs >= Date.parse(look.windows.after.end)) {
      const final = await analyze({ config, upgrade, source: deps.source, now: () => new Date(atMs) });
      report = { ...final, monitoring: { asOf: new Date(asOfMs).toISOString(), method: 'fixed', status: 'final' } };
      if (!records) return report;
      await recordFindings(deps.store, upgrade.id, report, atMs, 'final', changes);
      await deps.store.putReport(upgrade.id, report, atMs);
      await deps.store.setUpgradeStatus(upgrade.id, 'finished');
      latest.delete(upgrade.id);
    } else {
      if (records) await recordFindings(deps.store, upgrade.id, look, atMs, 'monitoring', changes);
      const open = await deps.store.listFindings({ upgradeId: upgrade.id, open: true });
      report = withOpenFindings({ ...look, monitoring: { asOf: new Date(asOfMs).toISOString(), method: 'sequential', status: 'monitoring' } }, open);
      latest.set(upgrade.id, { asOfMs, report });
    }
    deps.onReport?.(upgrade.id, report);
    if (deps.onFindings && records) deps.onFindings(await deps.store.listFindings({ open: true }), changes.resolved);
    return report;
  }

  function evaluateOnce(upgrade: Upgrade): Promise<Report> {
    const inFlight = running.get(upgrade.id);
    if (inFlight !== undefined) return inFlight;
    const run = evaluate(upgrade).finally(() => running.delete(upgrade.id));
    running.set(upgrade.id, run);
    return run;
  }

  async function tick(): Promise<MonitorFailure[]> {
    const failures: MonitorFailure[] = [];
    const records = await deps.store.listUpgrades();
    for (const record of records) {
      if (record.status !== 'monitoring') continue;
      try {
        const report = await evaluateOnce(validateUpgrade(record.document, `stored upgrade ${record.id}`));
        // The final report is stored before the status: finish a pass the store failed in between.
        if (report.monitoring?.status === 'final' && (deps.records?.() ?? true) && (await deps.store.getUpgrade(record.id))?.status === 'monitoring') {
          await deps.store.setUpgradeStatus(record.id, 'finished');
        }
      } catch (error) {
        failures.push({ upgradeId: record.id, error });
        deps.logError(`monitoring upgrade ${record.id} failed; retrying at the next slice`, error);
      }
    }
    return failures;
  }

  function runTick(): void {
    timer = null;
    passedUntil = completeUntil();
    // A pass that cannot even list the upgrades (the store is down) must not reject unhandled: that ends the process.
    ticking = tick()
      .catch((error: unknown): MonitorFailure[] => {
        deps.logError('monitoring pass failed; retrying at the next slice', error);
        return [{ upgradeId: null, error }];
      })
      .then((failures) => deps.onPass?.(failures))
      .finally(() => {
        ticking = null;
        if (active) schedule();
      });
  }

  function schedule(): void {
    // The slice after the one the pass evaluated becomes complete `delay` after it ends; a second
    // later leaves room for clock skew. A pass that outlasted that runs again at once, on the newest
    // complete slice (counting from the slice complete now instead would skip one slice whenever a
    // pass takes longer than a slice less the delay and skew).
    const nextComplete = (passedUntil ?? completeUntil()) + sliceMs + config.monitoring.delayMs + 1000;
    timer = setTimeout(runTick, Math.max(0, nextComplete - deps.now()));
    timer.unref();
  }

  return {
    tick,
    report: evaluateOnce,
    start: () => {
      if (active) return;
      active = true;
      runTick();
    },
    stop: async () => {
      active = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await ticking;
      await Promise.allSettled(running.values());
    },
  };
}

/**
 * A finding raised earlier in the window stays a regression in the report while the window fills,
 * even when the latest look alone would not cross the boundary again.
 */
function withOpenFindings(report: Report, open: readonly FindingRecord[]): Report {
  if (open.length === 0) return report;
  const raised = new Map(open.map((f) => [`${f.signal}|${labelsKey(f.labels)}`, f]));
  const groups = report.groups.map((group): ReportGroup => {
    const finding = raised.get(`${group.signal}|${labelsKey(group.labels)}`);
    if (finding === undefined || group.verdict === 'regression') return group;
    return {
      ...group,
      verdict: 'regression',
      suspects: Array.isArray(finding.suspects) ? (finding.suspects as ReportGroup['suspects']) : [],
      reason: `raised at ${new Date(finding.openedAtMs).toISOString()} when the anytime-valid test crossed its boundary; open until the after window is complete`,
    };
  });
  return { ...report, groups, summary: summarize(groups) };
}
