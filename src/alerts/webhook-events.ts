/**
 * Finding events for the generic webhook, derived from successive evaluations:
 *
 * - `opened`: a finding appears in the open set for the first time (after a restart of shiftguard,
 *   every open finding is announced again: delivery is at least once; receivers dedupe on
 *   `finding.id` + `event`);
 * - `updated`: an open finding changed materially since the state last announced (see
 *   {@link materialChange}); small drifts of the estimates are not events, but they add up, because
 *   the comparison is with the last announced state, not with the previous evaluation;
 * - `resolved`: a finding leaves the open set (or comes back with `resolvedAtMs`, or is passed in
 *   `resolved`); announced once per finding id.
 *
 * Operational alerts ({@link OperationalEvent}) travel the same queue as {@link WebhookEvent}s.
 */
import type { FindingRecord } from '../store/state-store.js';
import { readStatistics, readSuspects } from './finding-view.js';
import type { OperationalEvent, OperationalEventKind } from './operational-alerts.js';

/** The kind of a webhook event (`X-Shiftguard-Event`). */
export type FindingEventKind = 'opened' | 'updated' | 'resolved';

/** One event: what happened and the finding as it is now (`resolvedAtMs` set for `resolved`). */
export interface FindingEvent {
  readonly kind: FindingEventKind;
  readonly finding: FindingRecord;
  /** Why an `updated` event was raised (empty for the others). */
  readonly reasons: readonly string[];
}

/** Anything the webhook delivers: a finding event or an operational alert's. */
export type WebhookEvent = FindingEvent | OperationalEvent;
/** Every `X-Shiftguard-Event` value. */
export type WebhookEventKind = FindingEventKind | OperationalEventKind;

/**
 * Shift of a statistic's relative change, in absolute terms, that makes an `updated` event:
 * 0.10 = ten percentage points (+50% → +60%).
 */
export const MATERIAL_RELATIVE_CHANGE_SHIFT = 0.1;

/** Resolved finding ids remembered, so a resolution passed twice is announced once. */
const REMEMBERED_RESOLVED = 10_000;

/** Turns evaluations into events; remembers what it announced. */
export interface FindingEventTracker {
  /** The events implied by an evaluation's open and resolved findings at `nowMs`, in order. */
  diff(open: readonly FindingRecord[], resolved: readonly FindingRecord[], nowMs: number): FindingEvent[];
}

/** Creates a tracker that has announced nothing yet. */
export function createFindingEventTracker(): FindingEventTracker {
  const announced = new Map<string, FindingRecord>();
  const resolvedIds = new Set<string>();

  const markResolved = (id: string): void => {
    announced.delete(id);
    resolvedIds.add(id);
    if (resolvedIds.size > REMEMBERED_RESOLVED) resolvedIds.delete(resolvedIds.values().next().value as string);
  };

  return {
    diff(open, resolved, nowMs) {
      const events: FindingEvent[] = [];
      const resolvedById = new Map(resolved.map((f) => [f.id, f]));
      const stillOpen = new Set<string>();
      for (const finding of open) {
        if (finding.resolvedAtMs !== null) {
          if (!resolvedById.has(finding.id)) resolvedById.set(finding.id, finding);
          continue;
        }
        stillOpen.add(finding.id);
        const before = announced.get(finding.id);
        if (before === undefined) {
          events.push({ kind: 'opened', finding, reasons: [] });
          announced.set(finding.id, finding);
          continue;
        }
        const reasons = materialChange(before, finding);
        if (reasons.length > 0) {
          events.push({ kind: 'updated', finding, reasons });
          announced.set(finding.id, finding);
        }
      }
      for (const [id, before] of announced) {
        if (stillOpen.has(id)) continue;
        const record = resolvedById.get(id);
        events.push({ kind: 'resolved', finding: { ...(record ?? before), resolvedAtMs: record?.resolvedAtMs ?? nowMs }, reasons: [] });
        markResolved(id);
      }
      for (const [id, record] of resolvedById) {
        if (stillOpen.has(id) || resolvedIds.has(id)) continue;
        events.push({ kind: 'resolved', finding: { ...record, resolvedAtMs: record.resolvedAtMs ?? nowMs }, reasons: [] });
        markResolved(id);
      }
      return events;
    },
  };
}

/**
 * Why `after` differs materially from `before` (empty when it does not): the verdict changed; a
 * statistic appeared, disappeared or changed its own verdict; a statistic's relative change moved
 * by at least {@link MATERIAL_RELATIVE_CHANGE_SHIFT}; or the top suspect is another binary.
 * Confidence intervals, p-values and suspect scores alone move with every evaluation and are not
 * material.
 */
export function materialChange(before: FindingRecord, after: FindingRecord): string[] {
  const reasons: string[] = [];
  if (before.verdict !== after.verdict) reasons.push(`verdict ${before.verdict} → ${after.verdict}`);
  const old = new Map(readStatistics(before.statistics).map((s) => [s.name, s]));
  const now = new Map(readStatistics(after.statistics).map((s) => [s.name, s]));
  for (const [name, stat] of now) {
    const previous = old.get(name);
    if (previous === undefined) reasons.push(`statistic ${name} added`);
    else if (previous.verdict !== stat.verdict) reasons.push(`${name} verdict ${previous.verdict ?? '?'} → ${stat.verdict ?? '?'}`);
    else if (movedMaterially(previous.relativeChange, stat.relativeChange)) reasons.push(`${name} relative change ${percent(previous.relativeChange)} → ${percent(stat.relativeChange)}`);
  }
  for (const name of old.keys()) if (!now.has(name)) reasons.push(`statistic ${name} removed`);
  const oldTop = readSuspects(before.suspects)[0]?.binary ?? null;
  const newTop = readSuspects(after.suspects)[0]?.binary ?? null;
  if (oldTop !== newTop) reasons.push(`top suspect ${oldTop ?? 'none'} → ${newTop ?? 'none'}`);
  return reasons;
}

function movedMaterially(before: number, after: number): boolean {
  if (Number.isFinite(before) !== Number.isFinite(after)) return true;
  // The epsilon keeps +50% → +60% material despite binary floating point (0.6 − 0.5 < 0.1).
  return Number.isFinite(before) && Math.abs(after - before) >= MATERIAL_RELATIVE_CHANGE_SHIFT - 1e-9;
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a';
}
