/**
 * What shiftguard tells Alertmanager, as a pure state machine over an injected clock (the sink
 * owns the timers and the HTTP). It follows what Prometheus does for its own alerts:
 *
 * - every open finding and every raised operational alert is an active alert, re-sent every resend
 *   interval with `endsAt = now + 4 × resendInterval`, so Alertmanager resolves it by itself if
 *   shiftguard dies;
 * - a finding that resolves (it left the open set, or came back with `resolvedAtMs`) is sent with
 *   `endsAt` = its resolve time in the next batch and the next ones, until {@link RESOLVED_SENDS}
 *   POSTs carrying it succeeded, or {@link RESOLVED_RETENTION_MS} passed (then it is given up); a
 *   cleared operational alert, and the old label set of one raised again with other labels, likewise;
 * - a resolved alert whose labels belong to an active alert again (the group regressed anew, the
 *   operational alert was raised again) is not sent: for Alertmanager the alert simply keeps firing.
 */
import type { FindingRecord } from '../store/state-store.js';
import { alertAnnotations } from './alert-annotations.js';
import { alertLabels, labelSetKey, operationalLabels } from './alert-labels.js';
import { operationalIdentity } from './operational-alerts.js';
import type { OperationalAlert } from './operational-alerts.js';

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
  /** Finding ids of the resolved finding alerts in `alerts`, for {@link AlertmanagerState.delivered}. */
  readonly resolvedIds: readonly string[];
  /** Label-set keys of the resolved operational alerts in `alerts`, for {@link AlertmanagerState.delivered}. */
  readonly resolvedOperationalKeys: readonly string[];
}

/** A resolved alert given up by {@link AlertmanagerState.expire}. */
export type ExpiredAlert = { readonly kind: 'finding'; readonly finding: FindingRecord } | { readonly kind: 'operational'; readonly alert: OperationalAlert };

/** The state machine. */
export interface AlertmanagerState {
  /**
   * Takes the outcome of an evaluation: `open` is every open finding (of every upgrade); a finding
   * known as open and absent from it resolves at its `resolvedAtMs` from `resolved`, else at `nowMs`.
   * @returns true when Alertmanager should hear about it now (a finding opened or resolved, or its
   *   labels or annotations changed) rather than at the next resend.
   */
  apply(open: readonly FindingRecord[], resolved: readonly FindingRecord[], nowMs: number): boolean;
  /**
   * Makes `alert` active (its first raise at `nowMs` sets `startsAt`); when the alert of that
   * (name, key) was active with other labels, that label set resolves at `nowMs`.
   * @returns true when Alertmanager should hear about it now: the alert is new, or its labels or
   *   summary changed (a new description only rides the next resend).
   */
  raise(alert: OperationalAlert, nowMs: number): boolean;
  /** Resolves the operational alert (name, key) at `nowMs`; returns false when it was not active. */
  clear(name: string, key: string, nowMs: number): boolean;
  /** The alerts to POST at `nowMs`: every active one, then every resolved one still to be re-sent. */
  batch(nowMs: number): AlertBatch;
  /** Records that `batch` was accepted (2xx): each resolved alert in it counts one delivery. */
  delivered(batch: AlertBatch): void;
  /** Gives up resolved alerts older than {@link RESOLVED_RETENTION_MS}; returns what they were about. */
  expire(nowMs: number): ExpiredAlert[];
  /** Open findings held. */
  readonly activeCount: number;
  /** Resolved findings still to be sent. */
  readonly resolvingCount: number;
  /** Active operational alerts held. */
  readonly operationalCount: number;
}

interface Entry {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Dedup key of `labels`. */
  readonly key: string;
  /** What makes a change worth an immediate send: labels plus annotations (findings), labels plus summary (operational). */
  readonly text: string;
  readonly startsAtMs: number;
  readonly generatorURL: string | null;
}

interface FindingEntry extends Entry {
  readonly finding: FindingRecord;
}

interface OperationalEntry extends Entry {
  readonly alert: OperationalAlert;
}

type Resolving<E extends Entry> = E & {
  readonly resolvedAtMs: number;
  readonly sinceMs: number;
  remainingSends: number;
};

/** Creates an empty state. */
export function createAlertmanagerState(options: AlertmanagerStateOptions): AlertmanagerState {
  const active = new Map<string, FindingEntry>();
  const resolving = new Map<string, Resolving<FindingEntry>>();
  const finished = new Set<string>();
  /** By {@link operationalIdentity}. */
  const operational = new Map<string, OperationalEntry>();
  /** By label-set key: an alert raised with new labels leaves its old label set here while the new one is active. */
  const resolvingOperational = new Map<string, Resolving<OperationalEntry>>();

  const entryOf = (finding: FindingRecord): FindingEntry => {
    const labels = alertLabels(finding, options.severity);
    const annotations: Record<string, string> = { ...alertAnnotations(finding) };
    const generatorURL = options.externalUrl === null ? null : `${options.externalUrl}/api/v1/findings?upgrade=${encodeURIComponent(finding.upgradeId)}`;
    return { finding, labels, annotations, key: labelSetKey(labels), text: JSON.stringify([labels, annotations]), startsAtMs: finding.openedAtMs, generatorURL };
  };

  const operationalEntryOf = (alert: OperationalAlert, startsAtMs: number): OperationalEntry => {
    const labels = operationalLabels(alert, options.severity);
    const annotations = { summary: alert.summary, description: alert.description };
    // The review page: operational alerts have no resource of their own in the API.
    const generatorURL = options.externalUrl === null ? null : `${options.externalUrl}/`;
    return { alert, labels, annotations, key: labelSetKey(labels), text: JSON.stringify([labels, alert.summary]), startsAtMs, generatorURL };
  };

  const resolvingOf = <E extends Entry>(entry: E, resolvedAtMs: number, nowMs: number): Resolving<E> => ({ ...entry, resolvedAtMs, sinceMs: nowMs, remainingSends: RESOLVED_SENDS });

  const startResolving = (finding: FindingRecord, resolvedAtMs: number, nowMs: number): void => {
    resolving.set(finding.id, resolvingOf(entryOf({ ...finding, resolvedAtMs }), resolvedAtMs, nowMs));
  };

  const forget = (id: string): void => {
    resolving.delete(id);
    finished.add(id);
    if (finished.size > REMEMBERED_RESOLVED) finished.delete(finished.values().next().value as string);
  };

  /** Drops resolved alerts whose label set is active again, of findings and operational alerts alike. */
  const dropReactivated = (): void => {
    const activeKeys = new Set([...active.values(), ...operational.values()].map((e) => e.key));
    for (const [id, entry] of resolving) if (activeKeys.has(entry.key)) forget(id);
    for (const key of resolvingOperational.keys()) if (activeKeys.has(key)) resolvingOperational.delete(key);
  };

  const toAlert = (entry: Entry, endsAtMs: number): PostableAlert => ({
    labels: entry.labels,
    annotations: entry.annotations,
    startsAt: new Date(entry.startsAtMs).toISOString(),
    endsAt: new Date(Math.max(endsAtMs, entry.startsAtMs)).toISOString(),
    ...(entry.generatorURL === null ? {} : { generatorURL: entry.generatorURL }),
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
      dropReactivated();
      return changed;
    },

    raise(alert, nowMs) {
      const id = operationalIdentity(alert.name, alert.key);
      const before = operational.get(id);
      const entry = operationalEntryOf(alert, before?.startsAtMs ?? nowMs);
      if (before !== undefined && before.key !== entry.key) resolvingOperational.set(before.key, resolvingOf(before, nowMs, nowMs));
      operational.set(id, entry);
      dropReactivated();
      return before?.text !== entry.text;
    },

    clear(name, key, nowMs) {
      const id = operationalIdentity(name, key);
      const before = operational.get(id);
      if (before === undefined) return false;
      operational.delete(id);
      resolvingOperational.set(before.key, resolvingOf(before, nowMs, nowMs));
      dropReactivated();
      return true;
    },

    batch(nowMs) {
      const validUntilMs = nowMs + VALIDITY_RESENDS * options.resendIntervalMs;
      const alerts = [...active.values(), ...operational.values()].map((entry) => toAlert(entry, validUntilMs));
      const resolvedIds: string[] = [];
      for (const [id, entry] of resolving) {
        alerts.push(toAlert(entry, entry.resolvedAtMs));
        resolvedIds.push(id);
      }
      const resolvedOperationalKeys: string[] = [];
      for (const [key, entry] of resolvingOperational) {
        alerts.push(toAlert(entry, entry.resolvedAtMs));
        resolvedOperationalKeys.push(key);
      }
      return { alerts, resolvedIds, resolvedOperationalKeys };
    },

    delivered(batch) {
      for (const id of batch.resolvedIds) {
        const entry = resolving.get(id);
        if (entry === undefined) continue;
        entry.remainingSends -= 1;
        if (entry.remainingSends <= 0) forget(id);
      }
      for (const key of batch.resolvedOperationalKeys) {
        const entry = resolvingOperational.get(key);
        if (entry === undefined) continue;
        entry.remainingSends -= 1;
        if (entry.remainingSends <= 0) resolvingOperational.delete(key);
      }
    },

    expire(nowMs) {
      const given: ExpiredAlert[] = [];
      for (const [id, entry] of resolving) {
        if (nowMs - entry.sinceMs < RESOLVED_RETENTION_MS) continue;
        given.push({ kind: 'finding', finding: entry.finding });
        forget(id);
      }
      for (const [key, entry] of resolvingOperational) {
        if (nowMs - entry.sinceMs < RESOLVED_RETENTION_MS) continue;
        given.push({ kind: 'operational', alert: entry.alert });
        resolvingOperational.delete(key);
      }
      return given;
    },

    get activeCount() {
      return active.size;
    },
    get resolvingCount() {
      return resolving.size;
    },
    get operationalCount() {
      return operational.size;
    },
  };
}
