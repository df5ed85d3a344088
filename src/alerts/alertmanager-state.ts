/**
 * What shiftguard tells Alertmanager, as a pure state machine over an injected clock (the sink
 * owns the timers and the HTTP). It follows what Prometheus does for its own alerts:
 *
 * - every open finding is an active alert, re-sent every resend interval with
 *   `endsAt = now + 4 × resendInterval`, so Alertmanager resolves it by itself if shiftguard dies;
 * - a finding that resolves (it left the open set, or came back with `resolvedAtMs`) is sent with
 *   `endsAt` = its resolve time in the next batch and the next ones, until {@link RESOLVED_SENDS}
 *   POSTs carrying it succeeded, or {@link RESOLVED_RETENTION_MS} passed (then it is given up);
 * - a resolved alert whose labels belong to an open finding again (the group regressed anew) is
 *   not sent: for Alertmanager the alert simply keeps firing.
 */
import type { FindingRecord } from '../store/state-store.js';
import { alertAnnotations } from './alert-annotations.js';
import { alertLabels, labelSetKey } from './alert-labels.js';

/** A `postableAlert` of Alertmanager's API v2 (api/v2/openapi.yaml). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly startsAt: string;
  /** RFC 3339. */
  readonly endsAt: string;
  readonly generatorURL?: string;
}

/** Successful POSTs that carry a resolved alert before it is forgotten (the resolve, then two re-sends). */
export const RESOLVED_SENDS = 3;
/** A resolved alert not delivered {@link RESOLVED_SENDS} times within this long is given up (Prometheus keeps them 15m). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;
/** Active alerts are valid for this many resend intervals (Prometheus: 4). */
export const VALIDITY_RESENDS = 4;
/** Ids of finished resolved alerts remembered, so the same resolved finding passed again is not re-sent. */
const REMEMBERED_RESOLVED = 10_000;

/** Settings of the state machine. */
export interface AlertmanagerStateOptions {
  readonly resendIntervalMs: number;
  readonly severity: string;
  /** Base URL of shiftguard for `generatorURL`, or null to omit it. */
  readonly externalUrl: string | null;
}

/** One POST's worth of alerts. */
export interface AlertBatch {
  readonly alerts: readonly PostableAlert[];
  /** Finding ids of the resolved alerts in `alerts`, for {@link AlertmanagerState.delivered}. */
  readonly resolvedIds: readonly string[];
}

/** The state machine. */
export interface AlertmanagerState {
  /**
   * Takes the outcome of an evaluation: `open` is every open finding (of every upgrade); a finding
   * known as open and absent from it resolves at its `resolvedAtMs` from `resolved`, else at `nowMs`.
   * @returns true when Alertmanager should hear about it now (a finding opened or resolved, or its
   *   labels or annotations changed) rather than at the next resend.
   */
  apply(open: readonly FindingRecord[], resolved: readonly FindingRecord[], nowMs: number): boolean;
  /** The alerts to POST at `nowMs`: every active one, then every resolved one still to be re-sent. */
  batch(nowMs: number): AlertBatch;
  /** Records that `batch` was accepted (2xx): each resolved alert in it counts one delivery. */
  delivered(batch: AlertBatch): void;
  /** Gives up resolved alerts older than {@link RESOLVED_RETENTION_MS}; returns their findings. */
  expire(nowMs: number): FindingRecord[];
  /** Open findings held. */
  readonly activeCount: number;
  /** Resolved findings still to be sent. */
  readonly resolvingCount: number;
}

interface Entry {
  readonly finding: FindingRecord;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Dedup key of `labels`. */
  readonly key: string;
  /** Labels plus annotations, to notice changes worth an immediate send. */
  readonly text: string;
}

interface Resolving extends Entry {
  readonly resolvedAtMs: number;
  readonly sinceMs: number;
  remainingSends: number;
}

/** Creates an empty state. */
export function createAlertmanagerState(options: AlertmanagerStateOptions): AlertmanagerState {
  const active = new Map<string, Entry>();
  const resolving = new Map<string, Resolving>();
  const finished = new Set<string>();

  const entryOf = (finding: FindingRecord): Entry => {
    const labels = alertLabels(finding, options.severity);
    const annotations: Record<string, string> = { ...alertAnnotations(finding) };
    return { finding, labels, annotations, key: labelSetKey(labels), text: JSON.stringify([labels, annotations]) };
  };

  const startResolving = (finding: FindingRecord, resolvedAtMs: number, nowMs: number): void => {
    const entry = entryOf({ ...finding, resolvedAtMs });
    resolving.set(finding.id, { ...entry, resolvedAtMs, sinceMs: nowMs, remainingSends: RESOLVED_SENDS });
  };

  const forget = (id: string): void => {
    resolving.delete(id);
    finished.add(id);
    if (finished.size > REMEMBERED_RESOLVED) finished.delete(finished.values().next().value as string);
  };

  const toAlert = (entry: Entry, endsAtMs: number): PostableAlert => ({
    labels: entry.labels,
    annotations: entry.annotations,
    startsAt: new Date(entry.finding.openedAtMs).toISOString(),
    endsAt: new Date(Math.max(endsAtMs, entry.finding.openedAtMs)).toISOString(),
    ...(options.externalUrl === null ? {} : { generatorURL: `${options.externalUrl}/api/v1/findings?upgrade=${encodeURIComponent(entry.finding.upgradeId)}` }),
  });

  return {
    apply(open, resolved, nowMs) {
      let changed = false;
      const resolvedById = new Map(resolved.map((f) => [f.id, f]));
      const stillOpen = new Map<string, FindingRecord>();
      for (const finding of open) {
        if (finding.resolvedAtMs === null) stillOpen.set(finding.id, finding);
        else if (!resolvedById.has(finding.id)) resolvedById.set(finding.id, finding);
      }
      for (const [id, finding] of stillOpen) {
        const entry = entryOf(finding);
        if (active.get(id)?.text !== entry.text) changed = true;
        active.set(id, entry);
        resolving.delete(id);
      }
      for (const [id, entry] of active) {
        if (stillOpen.has(id)) continue;
        const record = resolvedById.get(id);
        startResolving(record ?? entry.finding, record?.resolvedAtMs ?? nowMs, nowMs);
        active.delete(id);
        changed = true;
      }
      for (const [id, record] of resolvedById) {
        if (stillOpen.has(id) || resolving.has(id) || finished.has(id)) continue;
        startResolving(record, record.resolvedAtMs ?? nowMs, nowMs);
        changed = true;
      }
      const activeKeys = new Set([...active.values()].map((e) => e.key));
      for (const [id, entry] of resolving) if (activeKeys.has(entry.key)) forget(id);
      return changed;
    },

    batch(nowMs) {
      const validUntilMs = nowMs + VALIDITY_RESENDS * options.resendIntervalMs;
      const alerts = [...active.values()].map((entry) => toAlert(entry, validUntilMs));
      const resolvedIds: string[] = [];
      for (const [id, entry] of resolving) {
        alerts.push(toAlert(entry, entry.resolvedAtMs));
        resolvedIds.push(id);
      }
      return { alerts, resolvedIds };
    },

    delivered(batch) {
      for (const id of batch.resolvedIds) {
        const entry = resolving.get(id);
        if (entry === undefined) continue;
        entry.remainingSends -= 1;
        if (entry.remainingSends <= 0) forget(id);
      }
    },

    expire(nowMs) {
      const given: FindingRecord[] = [];
      for (const [id, entry] of resolving) {
        if (nowMs - entry.sinceMs < RESOLVED_RETENTION_MS) continue;
        given.push(entry.finding);
        forget(id);
      }
      return given;
    },

    get activeCount() {
      return active.size;
    },
    get resolvingCount() {
      return resolving.size;
    },
  };
}
