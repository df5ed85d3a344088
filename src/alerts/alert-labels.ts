/**
 * The label set of a finding's alert. Alertmanager identifies an alert by the fingerprint of its
 * labels, so these must be a pure function of what identifies a finding (upgrade, signal, the group's
 * label values) plus constants: identical for every re-send of one finding, distinct for findings of
 * different groups. Alertmanager 0.25 accepts only classic label names (`[a-zA-Z_][a-zA-Z0-9_]*`),
 * so group label names are sanitized; a group label named like a reserved one is prefixed `group_`.
 * Operational alerts ({@link operationalLabels}) follow the same rules with their own reserved names.
 */
import type { FindingRecord } from '../store/state-store.js';
import type { OperationalAlert } from './operational-alerts.js';

/** `alertname` of every shiftguard alert. */
export const ALERT_NAME = 'ShiftguardRegression';

/** Labels shiftguard sets itself; a group label of the same name becomes `group_<name>`. */
export const RESERVED_LABELS: readonly string[] = ['alertname', 'upgrade', 'signal', 'severity'];

/** Labels an operational alert's own fields set; an extra label of the same name becomes `label_<name>`. */
export const OPERATIONAL_RESERVED_LABELS: readonly string[] = ['alertname', 'severity'];

/** Label carrying an operational alert's non-empty key, unless an extra label already has that name. */
export const OPERATIONAL_KEY_LABEL = 'key';

const CLASSIC_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Turns any text into a classic Prometheus label name: every character outside `[a-zA-Z0-9_]`
 * becomes `_` (`http.method` → `http_method`), and a leading digit (or empty text) gets a `_` prefix.
 */
export function sanitizeLabelName(name: string): string {
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return CLASSIC_LABEL_NAME.test(replaced) ? replaced : `_${replaced}`;
}

/**
 * Maps a group's label names to alert label names: sanitized, `group_`-prefixed when reserved, and
 * made unique with a `_2`, `_3`… suffix when two names collide after sanitizing (`a.b` and `a_b`).
 * Names are processed in sorted order, so the mapping depends only on the set of names.
 */
export function groupLabelNames(names: readonly string[]): Map<string, string> {
  return renameLabels(names, RESERVED_LABELS, 'group_');
}

/** {@link groupLabelNames} with another set of reserved names and another prefix for them. */
function renameLabels(names: readonly string[], reserved: readonly string[], prefix: string): Map<string, string> {
  const taken = new Set(reserved);
  const mapping = new Map<string, string>();
  for (const name of [...names].sort()) {
    let base = sanitizeLabelName(name);
    if (reserved.includes(base)) base = `${prefix}${base}`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    mapping.set(name, candidate);
  }
  return mapping;
}

/**
 * The alert labels of a finding: `alertname`, `upgrade`, `signal`, `severity` and the group's labels
 * (renamed by {@link groupLabelNames}). Empty values are left out, as Prometheus and Alertmanager
 * treat an empty label as an absent one.
 */
export function alertLabels(finding: Pick<FindingRecord, 'upgradeId' | 'signal' | 'labels'>, severity: string): Record<string, string> {
  const labels: Record<string, string> = { alertname: ALERT_NAME, upgrade: finding.upgradeId, signal: finding.signal, severity };
  for (const [name, alertName] of groupLabelNames(Object.keys(finding.labels))) {
    const value = finding.labels[name];
    if (value !== undefined && value !== '') labels[alertName] = value;
  }
  for (const name of Object.keys(labels)) if (labels[name] === '') delete labels[name];
  return labels;
}

/**
 * The labels of an operational alert: `alertname` (its name), `severity` (its own, else `severity`),
 * its extra labels (sanitized like group labels; `alertname` and `severity` become `label_…`), and
 * `key` with its key when that is non-empty and no extra label is named `key`. There is no separate
 * service label: as with findings, the `Shiftguard` prefix of the alertname says who raised it.
 * Empty values are left out.
 */
export function operationalLabels(alert: Pick<OperationalAlert, 'name' | 'key' | 'labels' | 'severity'>, severity: string): Record<string, string> {
  const labels: Record<string, string> = { alertname: alert.name, severity: alert.severity ?? severity };
  for (const [name, alertName] of renameLabels(Object.keys(alert.labels), OPERATIONAL_RESERVED_LABELS, 'label_')) {
    const value = alert.labels[name];
    if (value !== undefined && value !== '') labels[alertName] = value;
  }
  if (alert.key !== '' && !(OPERATIONAL_KEY_LABEL in labels)) labels[OPERATIONAL_KEY_LABEL] = alert.key;
  for (const name of Object.keys(labels)) if (labels[name] === '') delete labels[name];
  return labels;
}

/** A canonical text of a label set (sorted names), equal for equal sets: the dedup key of an alert. */
export function labelSetKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((name) => [name, labels[name]]));
}
