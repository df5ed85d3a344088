/**
 * Verification of an applied change with the same statistics as detection: the change is analysed
 * as if it were an upgrade of its own, rolled out on every instance at the moment it was written.
 * The before window runs from the later of "one verify window before the change" and "the start of
 * the upgrade's after window" (so it holds the regressed state the change answered, not the healthy
 * time before the upgrade); the after window follows the change, minus a settle time for clients to
 * pick the change up (their flag refresh) and for in-flight requests to drain.
 *
 * Judgement: `worse` when the answered group regressed further, or when it did not improve and another
 * group of the same service regressed (a change that helps nothing and hurts something); `better`
 * when the answered group improved, else `no_change` or `inconclusive`. Only `worse` is reverted.
 * When the answered group improved while another group of the service regressed, the change is kept
 * and the summary names the side effect: the tuner's remedies lead back toward the state before the
 * upgrade (a disabled gate restores the old strategy, whose latency the upgrade had improved), so such
 * a trade is expected; the operator sees it and can roll back.
 */
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import type { ReportGroup } from '../report/report.js';
import { labelsKey } from '../series/model.js';
import type { MetricsSource } from '../series/model.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import type { DecisionTrigger, Verification, VerifiedGroup } from './decision-proposal.js';

/** One verification to run. */
export interface VerifyRequest {
  readonly decisionId: string;
  readonly flag: string;
  readonly trigger: DecisionTrigger | null;
  readonly beforeFromMs: number;
  readonly changeMs: number;
  readonly untilMs: number;
}

/** What verification reads and runs. */
export interface VerifyDeps {
  readonly config: ShiftguardConfig;
  readonly source: MetricsSource;
  readonly analyze?: typeof runAnalysis;
  readonly now: () => number;
}

/** The settle time after a change: the configured settle, at most a fifth of the window after it, whole slices. */
export function verificationSettleMs(config: ShiftguardConfig, afterMs: number): number {
  const slice = config.windows.sliceMs;
  return Math.max(slice, Math.ceil(Math.min(config.windows.settleMs, afterMs / 5) / slice) * slice);
}

/** Runs the before/after comparison and judges it. */
export async function verifyChange(request: VerifyRequest, deps: VerifyDeps): Promise<Verification> {
  const { config } = deps;
  const afterMs = request.untilMs - request.changeMs;
  const settleMs = verificationSettleMs(config, afterMs);
  const analysisConfig: ShiftguardConfig = {
    ...config,
    // Build-info says nothing about a flag change; it would only add rollout noise.
    buildInfo: null,
    windows: { ...config.windows, baselineMs: Math.max(config.windows.sliceMs, request.changeMs - request.beforeFromMs), settleMs, afterMs: Math.max(config.windows.sliceMs, afterMs - settleMs) },
  };
  const upgrade: Upgrade = {
    id: `decision-${request.decisionId}`,
    startedAtMs: request.changeMs,
    // The flag as the one "binary" that changed, with no rollout times: every instance counts as
    // changed at the moment of the write (CONTRACT §4's default).
    binaries: [{ name: `flag:${request.flag}`, from: 'before', to: 'after', changed: true, change: 'updated', notes: [] }],
    configChanges: [],
    flags: [{ name: request.flag }],
    notes: [],
    warnings: [],
  };
  const atMs = deps.now();
  const report = await (deps.analyze ?? runAnalysis)({ config: analysisConfig, upgrade, source: deps.source, now: () => new Date(atMs) });
  const serviceLabel = config.labels.service;
  const service = request.trigger?.labels[serviceLabel];
  const considered = report.groups.filter((g) => service === undefined || g.labels[serviceLabel] === service);
  const answered = request.trigger === null ? undefined : considered.find((g) => g.signal === request.trigger?.signal && labelsKey(g.labels) === labelsKey(request.trigger.labels));
  const sideEffects = considered.filter((g) => g !== answered && g.verdict === 'regression');
  const noted = sideEffects.length === 0 ? '' : `; note: ${sideEffects.map(describe).join('; ')}`;
  let outcome: NonNullable<Verification['outcome']>;
  let summary: string;
  if (answered?.verdict === 'regression') {
    outcome = 'worse';
    summary = `worse after the change: ${describe(answered)}${noted}`;
  } else if (answered?.verdict === 'improvement') {
    outcome = 'better';
    summary = `better after the change: ${describe(answered)}${noted}`;
  } else if (sideEffects.length > 0) {
    outcome = 'worse';
    summary = `worse after the change: ${sideEffects.map(describe).join('; ')}, while ${answered === undefined ? 'the answered group had no data' : describe(answered)}`;
  } else if (answered?.verdict === 'no_change') {
    outcome = 'no_change';
    summary = `no significant change of ${describe(answered)}`;
  } else {
    outcome = 'inconclusive';
    summary = answered === undefined ? `the answered group has no data in the verification windows` : `inconclusive: ${answered.reason ?? describe(answered)}`;
  }
  return {
    beforeFromMs: request.beforeFromMs,
    changeMs: request.changeMs,
    untilMs: request.untilMs,
    outcome,
    judgedAtMs: atMs,
    groups: considered.map(verifiedGroup),
    summary,
  };
}

function verifiedGroup(g: ReportGroup): VerifiedGroup {
  return {
    signal: g.signal,
    labels: g.labels,
    verdict: g.verdict,
    statistics: g.statistics.map((s) => ({
      name: s.name,
      baseline: finite(s.baseline),
      after: finite(s.after),
      relativeChange: finite(s.relativeChange),
      pValue: finite(s.pValue),
      verdict: s.verdict,
    })),
  };
}

function describe(g: ReportGroup): string {
  const where = Object.entries(g.labels).map(([k, v]) => `${k}=${v}`).join(', ');
  const stats = g.statistics
    .filter((s) => Number.isFinite(s.baseline) && Number.isFinite(s.after))
    .map((s) => `${s.name} ${fmt(s.baseline)} → ${fmt(s.after)}`)
    .join(', ');
  return `${g.signal} {${where}} ${g.verdict}${stats === '' ? '' : ` (${stats})`}`;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}


function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
