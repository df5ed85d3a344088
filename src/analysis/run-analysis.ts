/**
 * `analyze`, the one engine behind the CLI (and later the service): read the series an upgrade's
 * signals need, resolve rollouts, detect shifts per group, adjust for multiple comparisons,
 * date and attribute each regression, and assemble the report.
 */
import type { MetricsSource, RawSeries, SeriesRequest } from '../series/model.js';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import { resolveRollout } from '../upgrades/resolve-rollout.js';
import { instanceServicesOf } from '../upgrades/build-info-history.js';
import type { RolloutPlan } from '../upgrades/resolve-rollout.js';
import { analysisGrid, afterSpan } from '../detect/windows.js';
import type { AnalysisWindows, InstanceRollout } from '../detect/windows.js';
import { assignVerdicts } from '../detect/verdicts.js';
import { assignSequentialVerdicts } from '../detect/sequential.js';
import type { DetectionSettings } from '../detect/statistic.js';
import { analyseSignal } from './signal-groups.js';
import type { AnalysedGroup, GroupContext } from './signal-groups.js';
import { reportGroup } from './report-group.js';
import { summarize } from '../report/report.js';
import type { Report } from '../report/report.js';

export interface AnalysisRequest {
  readonly config: ShiftguardConfig;
  readonly upgrade: Upgrade;
  readonly source: MetricsSource;
  readonly now?: () => Date;
  /** Progress lines for long runs (the CLI prints them to stderr). */
  readonly onProgress?: (message: string) => void;
  /**
   * Monitoring: the analysis as of this time (ms). Data after it is not read and the after window
   * holds only the slices complete by then. Absent = the whole window (`analyze`).
   */
  readonly asOfMs?: number;
  /**
   * `fixed` (default): one look, Benjamini-Hochberg over the tests (`analyze`, the final report).
   * `sequential`: anytime-valid e-values with Bonferroni over the tests, valid however often the
   * same upgrade is looked at (the service's continuous monitoring).
   */
  readonly mode?: 'fixed' | 'sequential';
}

/** Level of the reported intervals. */
const DETECTION_CONFIDENCE = 0.95;

/** Margin read before the baseline so the first slice has a sample to difference against, ms. */
export const LOOKBACK_MS = 10 * 60_000;

/** Runs one analysis of `upgrade` against `source` and returns the report. */
export async function runAnalysis(request: AnalysisRequest): Promise<Report> {
  return (await analyseUpgrade(request)).report;
}

/** The report with the analysed groups behind it (their panels feed the review page's plots), in report order. */
export async function analyseUpgrade(request: AnalysisRequest): Promise<{ report: Report; groups: readonly AnalysedGroup[] }> {
  const { config, upgrade } = request;
  const progress = request.onProgress ?? (() => undefined);
  const windows: AnalysisWindows = {
    startedAtMs: upgrade.startedAtMs,
    baselineMs: config.windows.baselineMs,
    afterMs: config.windows.afterMs,
    settleMs: config.windows.settleMs,
    ...(request.asOfMs !== undefined ? { cutoffMs: request.asOfMs } : {}),
  };
  const data = await request.source.read(analysisReadRequest(request));
  progress(`read ${data.series.length} series; resolving rollouts`);
  const byName = indexByName(data.series);
  const instanceServices = instanceServicesOf(data.series, config.labels.instance, config.labels.service);
  const plan = resolveRollout(upgrade, {
    instanceServices,
    buildInfo: config.buildInfo ? (byName.get(config.buildInfo.metric) ?? []) : [],
    buildInfoConfig: config.buildInfo,
    sliceMs: config.windows.sliceMs,
    instanceLabel: config.labels.instance,
    serviceLabel: config.labels.service,
    knownInstances: knownInstances(data.series, config.labels.instance),
  });
  const rollouts = fleetRollouts(plan, windows.startedAtMs);
  const grid = analysisGrid(windows, rollouts, config.windows.sliceMs);
  const warnings = [...data.warnings, ...plan.warnings];
  const stats = { resets: 0, seriesWithoutInstance: 0, maxGapMs: 0, gapSeries: [] as string[] };
  const ctx: GroupContext = {
    series: byName,
    grid,
    windows,
    plan,
    instanceLabel: config.labels.instance,
    serviceLabel: config.labels.service,
    settings: detectionSettings(config),
    stats,
    warnings,
    instanceServices,
  };
  const groups: AnalysedGroup[] = [];
  for (const signal of config.signals) {
    const found = analyseSignal(signal, ctx);
    groups.push(...found);
    progress(`signal ${signal.name}: ${found.length} group(s) analysed`);
  }
  const detections = groups.map((g) => g.detection);
  const verdicts = request.mode === 'sequential' ? assignSequentialVerdicts(detections, config.alpha, DETECTION_CONFIDENCE) : assignVerdicts(detections, config.alpha);
  // The file parser already reports resets per series; other sources (Prometheus API) do not.
  const resetsReported = data.warnings.some((w) => w.startsWith('counter resets'));
  warnings.push(...groupingWarnings(resetsReported ? { ...stats, resets: 0 } : stats, config.labels.instance));
  const span = afterSpan(windows, rollouts);
  const reportGroups = groups.map((g, i) => reportGroup(g, verdicts[i] ?? 'inconclusive', windows.startedAtMs));
  const report: Report = {
    upgrade: upgrade.id,
    ...(upgrade.package !== undefined ? { package: upgrade.package } : {}),
    generatedAt: (request.now?.() ?? new Date()).toISOString(),
    windows: {
      baseline: { start: iso(windows.startedAtMs - windows.baselineMs), end: iso(windows.startedAtMs) },
      after: { start: iso(Number.isFinite(span.startMs) ? span.startMs : windows.startedAtMs + windows.settleMs), end: iso(Number.isFinite(span.endMs) ? span.endMs : windows.startedAtMs + windows.settleMs + windows.afterMs) },
    },
    groups: reportGroups,
    summary: summarize(reportGroups),
    warnings,
    alpha: config.alpha,
    ...(request.asOfMs !== undefined || request.mode === 'sequential'
      ? { monitoring: { asOf: iso(request.asOfMs ?? Date.now()), method: request.mode === 'sequential' ? 'sequential' : 'fixed' } }
      : {}),
  };
  return { report, groups };
}

/**
 * What an analysis reads: the signals' and build-info's metrics from {@link LOOKBACK_MS} before the
 * baseline to a slice past the after window of the last rollout (or to `asOfMs`).
 */
export function analysisReadRequest(request: Pick<AnalysisRequest, 'config' | 'upgrade' | 'asOfMs'>): SeriesRequest {
  const { config, upgrade } = request;
  const lastRolloutMs = Math.max(upgrade.startedAtMs, upgrade.finishedAtMs ?? upgrade.startedAtMs, ...upgrade.binaries.flatMap((b) => (b.rollout ?? []).map((r) => r.atMs)));
  return {
    metricNames: metricNames(config),
    startMs: upgrade.startedAtMs - config.windows.baselineMs - LOOKBACK_MS,
    endMs: Math.min(lastRolloutMs + config.windows.settleMs + config.windows.afterMs + config.windows.sliceMs, request.asOfMs ?? Infinity),
  };
}

/** Every metric name the configured signals and build-info need. */
export function metricNames(config: ShiftguardConfig): string[] {
  const names = new Set<string>();
  for (const s of config.signals) {
    if (s.type === 'latency') names.add(`${s.metric}_bucket`);
    else {
      names.add(s.numerator);
      names.add(s.denominator);
    }
  }
  if (config.buildInfo) names.add(config.buildInfo.metric);
  return [...names];
}

function detectionSettings(config: ShiftguardConfig): DetectionSettings {
  return {
    alpha: config.alpha,
    confidenceLevel: DETECTION_CONFIDENCE,
    resamples: config.detection.bootstrapResamples,
    seed: config.detection.seed,
    minSlices: config.detection.minSlices,
    minTailEvents: config.detection.minTailEvents,
    minRatioEvents: config.detection.minRatioEvents,
    minControlShare: 0.25,
  };
}

function indexByName(series: readonly RawSeries[]): Map<string, RawSeries[]> {
  const byName = new Map<string, RawSeries[]>();
  for (const s of series) {
    const list = byName.get(s.name);
    if (list === undefined) byName.set(s.name, [s]);
    else list.push(s);
  }
  return byName;
}

function knownInstances(series: readonly RawSeries[], label: string): Set<string> {
  const out = new Set<string>();
  for (const s of series) {
    const v = s.labels[label];
    if (v !== undefined) out.add(v);
  }
  return out;
}

/** Latest changed-binary rollout per instance across the fleet, to size the analysis grid. */
function fleetRollouts(plan: RolloutPlan, startedAtMs: number): InstanceRollout[] {
  const latest = new Map<string, number>();
  for (const b of plan.binaries) {
    if (!b.changed) continue;
    for (const [instance, at] of b.rolloutAtMs) latest.set(instance, Math.max(latest.get(instance) ?? -Infinity, at));
  }
  if (latest.size === 0) return [{ instance: '*', fromMs: startedAtMs, toMs: startedAtMs }];
  return [...latest].map(([instance, at]) => ({ instance, fromMs: at, toMs: at }));
}

function groupingWarnings(stats: GroupContext['stats'], instanceLabel: string): string[] {
  const out: string[] = [];
  if (stats.resets > 0) out.push(`${stats.resets} counter reset(s) handled as rate() does (a process restart at rollout causes one per series)`);
  if (stats.seriesWithoutInstance > 0) out.push(`${stats.seriesWithoutInstance} series without the instance label "${instanceLabel}" were ignored`);
  if (stats.gapSeries.length > 0) {
    out.push(`${stats.gapSeries.length} series have gaps longer than 5m between samples, e.g. ${stats.gapSeries.slice(0, 3).join(', ')}`);
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
