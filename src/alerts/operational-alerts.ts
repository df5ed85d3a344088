/**
 * Operational alerts: what the service says about itself (Unleash unreachable, a token refused, a
 * flag frozen after repeated reverts), as opposed to findings about the monitored system. Callers
 * raise and clear them by identity (name, key); this module checks what they hand in and keeps the
 * active set with the time each was first raised, and decides which raises are news for the webhook.
 *
 * Re-raising an active alert is how callers say "still true", often on every tuner cycle, so only a
 * change an SRE would act on is announced again ({@link materialOperationalChange}: summary, severity,
 * labels); a description that merely counts attempts or quotes the latest error is not, and reaches
 * Alertmanager with the next resend instead of in a POST of its own.
 */
import { ALERT_NAME } from './alert-labels.js';

/** An operational alert of the service itself (the tuner, …), not tied to a finding. */
export interface OperationalAlert {
  /** Alertmanager `alertname`, e.g. `ShiftguardUnleashUnavailable`, `ShiftguardFlagFrozen`. PascalCase. */
  readonly name: string;
  /** Distinguishes alerts of one name (e.g. the flag); part of the identity (with name). '' when one per name. */
  readonly key: string;
  /** Extra labels (e.g. { flag: 'dten.sync.backoff' }); never overriding alertname/severity. */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
  /** Overrides the configured severity (e.g. 'critical' for a frozen flag). */
  readonly severity?: string;
}

/** What the webhook announces about an operational alert (`X-Shiftguard-Event`). */
export type OperationalEventKind = 'operational.raised' | 'operational.resolved';

/** One webhook event about an operational alert. */
export interface OperationalEvent {
  readonly kind: OperationalEventKind;
  readonly alert: OperationalAlert;
  /** The severity in effect: the alert's own, else the configured one. */
  readonly severity: string;
  /** Epoch ms of the first raise of this (name, key) since it was last cleared. */
  readonly raisedAtMs: number;
  /** Epoch ms of the clear; null for `operational.raised`. */
  readonly resolvedAtMs: number | null;
}

/** The active operational alerts and what raising or clearing one means for the webhook. */
export interface OperationalRegistry {
  /**
   * Records `alert` as active at `nowMs`.
   * @returns the checked copy now held, and the event to announce (null when the alert was active
   *   already and nothing material changed).
   * @throws TypeError when `alert` is malformed (see {@link checkOperationalAlert}).
   */
  raise(alert: OperationalAlert, nowMs: number): { readonly alert: OperationalAlert; readonly event: OperationalEvent | null };
  /** Forgets the alert (name, key); returns its `operational.resolved` event, or null when it was not active. */
  clear(name: string, key: string, nowMs: number): OperationalEvent | null;
  /** The active alerts, in the order they were first raised. */
  active(): readonly OperationalAlert[];
}

interface Held {
  readonly alert: OperationalAlert;
  readonly raisedAtMs: number;
}

/** Creates an empty registry; `severity` is the configured default (`alerts.alertmanager.severity`). */
export function createOperationalRegistry(severity: string): OperationalRegistry {
  const held = new Map<string, Held>();
  const severityOf = (alert: OperationalAlert): string => alert.severity ?? severity;

  return {
    raise(raised, nowMs) {
      const alert = checkOperationalAlert(raised);
      const id = operationalIdentity(alert.name, alert.key);
      const before = held.get(id);
      const raisedAtMs = before?.raisedAtMs ?? nowMs;
      held.set(id, { alert, raisedAtMs });
      const news = before === undefined || materialOperationalChange(before.alert, alert, severity);
      return { alert, event: news ? { kind: 'operational.raised', alert, severity: severityOf(alert), raisedAtMs, resolvedAtMs: null } : null };
    },
    clear(name, key, nowMs) {
      const id = operationalIdentity(name, key);
      const before = held.get(id);
      if (before === undefined) return null;
      held.delete(id);
      return { kind: 'operational.resolved', alert: before.alert, severity: severityOf(before.alert), raisedAtMs: before.raisedAtMs, resolvedAtMs: nowMs };
    },
    active() {
      return [...held.values()].map((h) => h.alert);
    },
  };
}

/** The identity of an operational alert as one map key (JSON, so no name/key pair can collide with another). */
export function operationalIdentity(name: string, key: string): string {
  return JSON.stringify([name, key]);
}

/** `ShiftguardFlagFrozen/dten.sync.backoff`, or the bare name when the key is empty: for logs. */
export function operationalSubject(alert: Pick<OperationalAlert, 'name' | 'key'>): string {
  return alert.key === '' ? alert.name : `${alert.name}/${alert.key}`;
}

/**
 * Whether `after` is worth announcing again while `before` is active: the summary, the effective
 * severity (`defaultSeverity` when the alert has none) or an extra label changed. The description
 * alone is not: it is where callers put what changes on every cycle.
 */
export function materialOperationalChange(before: OperationalAlert, after: OperationalAlert, defaultSeverity: string): boolean {
  if (before.summary !== after.summary) return true;
  if ((before.severity ?? defaultSeverity) !== (after.severity ?? defaultSeverity)) return true;
  const names = new Set([...Object.keys(before.labels), ...Object.keys(after.labels)]);
  for (const name of names) if (before.labels[name] !== after.labels[name]) return true;
  return false;
}

/**
 * Checks an alert handed in by a caller and returns a frozen copy of it, so a caller that reuses or
 * mutates its object cannot change what is held or queued.
 * @throws TypeError when the name is empty or {@link ALERT_NAME} (that would mingle with the findings'
 *   alerts), a text field is not a string, a label value is not a string, or the severity is empty.
 */
export function checkOperationalAlert(alert: OperationalAlert): OperationalAlert {
  const { name, key, summary, description, severity } = alert as Partial<OperationalAlert>;
  if (typeof name !== 'string' || name === '') throw new TypeError('an operational alert needs a non-empty name');
  if (name === ALERT_NAME) throw new TypeError(`an operational alert may not be named ${ALERT_NAME}, the alertname of findings`);
  for (const [field, value] of Object.entries({ key, summary, description })) {
    if (typeof value !== 'string') throw new TypeError(`operational alert ${name}: ${field} must be a string, got ${typeof value}`);
  }
  if (severity !== undefined && (typeof severity !== 'string' || severity === '')) throw new TypeError(`operational alert ${name}: severity must be a non-empty string when given`);
  const labels = alert.labels as unknown;
  if (labels === null || typeof labels !== 'object') throw new TypeError(`operational alert ${name}: labels must be an object of strings`);
  const copied: Record<string, string> = {};
  for (const [label, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw new TypeError(`operational alert ${name}: label ${label} must be a string, got ${typeof value}`);
    copied[label] = value;
  }
  return Object.freeze({
    name,
    key: key as string,
    labels: Object.freeze(copied),
    summary: summary as string,
    description: description as string,
    ...(severity === undefined ? {} : { severity }),
  });
}
