/**
 * The closed-loop section's figures, pure: which decision, finding and Unleash event of a loop mark
 * detection and the flag change, the seconds from the regression's onset (the upgrade's start) to
 * each, and the printed table with the PASS/MISS line against issue 4's target. The wire shapes are
 * validated here with zod, so a field the API renamed fails loudly instead of reading as NaN.
 */
import { z } from 'zod';
import { summarizeRuns } from './run-stats.js';
import type { RunSummary } from './run-stats.js';

/** Issue 4's target: the flag change lands at most this long after the regression's onset, seconds. */
export const CLOSED_LOOP_TARGET_SECONDS = 120;

const isoTime = z.string().refine((text) => Number.isFinite(Date.parse(text)), 'an ISO 8601 time');

/** A decision of `GET /api/v1/decisions`, the fields the section reads. */
export const BenchDecisionSchema = z.object({
  id: z.string(),
  flag: z.string(),
  status: z.string(),
  createdAt: isoTime,
  proposal: z.object({
    action: z.string(),
    summary: z.string(),
    trigger: z.object({ findingId: z.string(), signal: z.string() }).nullable(),
    applied: z.object({ atMs: z.number(), eventId: z.number().nullable() }).nullable(),
  }),
});
export type BenchDecision = z.infer<typeof BenchDecisionSchema>;

/** A finding of `GET /api/v1/findings`, the fields the section reads. */
export const BenchFindingSchema = z.object({ id: z.string(), signal: z.string(), openedAt: isoTime });
export type BenchFinding = z.infer<typeof BenchFindingSchema>;

/** An event of Unleash's log (`GET /api/admin/events/{flag}`), the fields the section reads. */
export const BenchUnleashEventSchema = z.object({ id: z.number(), type: z.string(), createdBy: z.string(), createdAt: isoTime });
export type BenchUnleashEvent = z.infer<typeof BenchUnleashEventSchema>;

/** The decision whose flag write happened first (earliest `proposal.applied.atMs`), or null when none is applied yet. */
export function firstAppliedDecision(decisions: readonly BenchDecision[]): BenchDecision | null {
  let first: BenchDecision | null = null;
  for (const d of decisions) {
    const atMs = d.proposal.applied?.atMs;
    if (atMs !== undefined && (first === null || atMs < (first.proposal.applied?.atMs ?? Infinity))) first = d;
  }
  return first;
}

/**
 * The finding that triggered `decision` (by `proposal.trigger.findingId`); without a trigger or when
 * that finding is not listed, the earliest opened one. @throws Error when there is no finding at all.
 */
export function triggeringFinding(decision: BenchDecision, findings: readonly BenchFinding[]): BenchFinding {
  const id = decision.proposal.trigger?.findingId;
  const byId = findings.find((f) => f.id === id);
  if (byId !== undefined) return byId;
  const earliest = [...findings].sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt))[0];
  if (earliest === undefined) throw new Error(`decision ${decision.id} is applied but the upgrade has no finding`);
  return earliest;
}

/** Unleash event types a decision's action writes (`restore` may be either kind of write). */
export function eventTypesOf(action: string): readonly string[] {
  if (action === 'disable') return ['feature-environment-disabled'];
  if (action === 'enable') return ['feature-environment-enabled'];
  if (action === 'tune') return ['feature-strategy-update'];
  return ['feature-environment-disabled', 'feature-environment-enabled', 'feature-strategy-update'];
}

/** How {@link flagChangeEvent} found the event: by the id the tuner recorded, or by type and author. */
export type EventMatch = 'event id' | 'type and author';

/**
 * The Unleash event of the decision's flag write: the one with `proposal.applied.eventId` when the
 * tuner recorded it, else the earliest event of the action's type by `author` (the tuner's token
 * name). Null when the log holds neither.
 */
export function flagChangeEvent(decision: BenchDecision, events: readonly BenchUnleashEvent[], author: string): { event: BenchUnleashEvent; match: EventMatch } | null {
  const eventId = decision.proposal.applied?.eventId ?? null;
  const byId = eventId === null ? undefined : events.find((e) => e.id === eventId);
  if (byId !== undefined) return { event: byId, match: 'event id' };
  const types = eventTypesOf(decision.proposal.action);
  const candidates = events.filter((e) => e.createdBy === author && types.includes(e.type)).sort((a, b) => a.id - b.id);
  const first = candidates[0];
  return first === undefined ? null : { event: first, match: 'type and author' };
}

/** One loop's figures, seconds from the regression's onset (v2 starting, the upgrade's `startedAt`). */
export interface ClosedLoopRound {
  readonly round: number;
  readonly upgradeId: string;
  readonly onsetAtMs: number;
  /** The triggering finding's signal and its `openedAt`. */
  readonly findingSignal: string;
  readonly onsetToFindingSeconds: number;
  readonly decisionId: string;
  readonly action: string;
  readonly flag: string;
  readonly summary: string;
  /** The decision's `createdAt`. */
  readonly onsetToDecisionSeconds: number;
  /** `proposal.applied.atMs`: the tuner's record of the write, after Unleash answered. */
  readonly onsetToAppliedSeconds: number;
  /** The Unleash event's `createdAt`: when the change landed in Unleash. The figure the target is judged on. */
  readonly onsetToUnleashEventSeconds: number;
  readonly unleashEventId: number;
  readonly unleashEventType: string;
  readonly eventMatch: EventMatch;
}

/** Computes a round's figures from what the API and Unleash's log said. */
export function closedLoopRound(input: {
  readonly round: number;
  readonly upgradeId: string;
  readonly onsetAtMs: number;
  readonly decision: BenchDecision;
  readonly finding: BenchFinding;
  readonly event: { readonly event: BenchUnleashEvent; readonly match: EventMatch };
}): ClosedLoopRound {
  const { decision, finding, event, onsetAtMs } = input;
  const applied = decision.proposal.applied;
  if (applied === null) throw new Error(`decision ${decision.id} is not applied`);
  const since = (atMs: number): number => (atMs - onsetAtMs) / 1000;
  return {
    round: input.round,
    upgradeId: input.upgradeId,
    onsetAtMs,
    findingSignal: finding.signal,
    onsetToFindingSeconds: since(Date.parse(finding.openedAt)),
    decisionId: decision.id,
    action: decision.proposal.action,
    flag: decision.flag,
    summary: decision.proposal.summary,
    onsetToDecisionSeconds: since(Date.parse(decision.createdAt)),
    onsetToAppliedSeconds: since(applied.atMs),
    onsetToUnleashEventSeconds: since(Date.parse(event.event.createdAt)),
    unleashEventId: event.event.id,
    unleashEventType: event.event.type,
    eventMatch: event.match,
  };
}

/** Medians over rounds and the verdict on the target. */
export interface ClosedLoopSummary {
  readonly rounds: number;
  readonly onsetToFindingSeconds: RunSummary;
  readonly onsetToDecisionSeconds: RunSummary;
  readonly onsetToAppliedSeconds: RunSummary;
  readonly onsetToUnleashEventSeconds: RunSummary;
  readonly targetSeconds: number;
  /** Median onset → Unleash event at most the target. */
  readonly targetMet: boolean;
}

/** Summarizes the rounds. @throws RangeError when there are none. */
export function summarizeClosedLoop(rounds: readonly ClosedLoopRound[], targetSeconds: number = CLOSED_LOOP_TARGET_SECONDS): ClosedLoopSummary {
  if (rounds.length === 0) throw new RangeError('summarizeClosedLoop: expected at least one round, got none');
  const of = (pick: (r: ClosedLoopRound) => number): RunSummary => summarizeRuns(rounds.map(pick));
  const unleashEvent = of((r) => r.onsetToUnleashEventSeconds);
  return {
    rounds: rounds.length,
    onsetToFindingSeconds: of((r) => r.onsetToFindingSeconds),
    onsetToDecisionSeconds: of((r) => r.onsetToDecisionSeconds),
    onsetToAppliedSeconds: of((r) => r.onsetToAppliedSeconds),
    onsetToUnleashEventSeconds: unleashEvent,
    targetSeconds,
    targetMet: unleashEvent.median <= targetSeconds,
  };
}

const HEADERS = ['round', 'change', 'finding', 'onset→finding s', 'onset→decision s', 'onset→applied s', 'onset→Unleash event s', 'finding→Unleash s'];

/**
 * Renders one row per round and a median row as a fixed-width table: seconds from the onset to the
 * triggering finding, the decision, the tuner's applied record and the Unleash event, and the
 * tuner's share (finding → Unleash event).
 */
export function formatClosedLoopTable(rounds: readonly ClosedLoopRound[], summary: ClosedLoopSummary): string {
  const s = (seconds: number): string => seconds.toFixed(1);
  const rows = rounds.map((r) => [
    String(r.round),
    `${r.action} ${r.flag}`,
    r.findingSignal,
    s(r.onsetToFindingSeconds),
    s(r.onsetToDecisionSeconds),
    s(r.onsetToAppliedSeconds),
    s(r.onsetToUnleashEventSeconds),
    s(r.onsetToUnleashEventSeconds - r.onsetToFindingSeconds),
  ]);
  const medianTuner = summarizeRuns(rounds.map((r) => r.onsetToUnleashEventSeconds - r.onsetToFindingSeconds)).median;
  const median = [
    `median of ${summary.rounds}`,
    '',
    '',
    s(summary.onsetToFindingSeconds.median),
    s(summary.onsetToDecisionSeconds.median),
    s(summary.onsetToAppliedSeconds.median),
    s(summary.onsetToUnleashEventSeconds.median),
    s(medianTuner),
  ];
  const cells = [HEADERS, ...rows, median];
  const widths = HEADERS.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADERS), rule, ...rows.map(line), rule, line(median)].join('\n');
}

/** The PASS/MISS line of the target, judged on the median onset → Unleash event. */
export function formatClosedLoopVerdict(summary: ClosedLoopSummary): string {
  const verdict = summary.targetMet ? 'PASS' : 'MISS';
  const over = summary.rounds === 1 ? '1 round' : `median of ${summary.rounds} rounds`;
  return `${verdict}: closed-loop target (onset → flag change in Unleash <= ${summary.targetSeconds} s at 50 req/s, ${over}): ${summary.onsetToUnleashEventSeconds.median.toFixed(1)} s`;
}
