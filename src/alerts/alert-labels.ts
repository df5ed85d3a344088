/**
 * The label set of a finding's alert. Alertmanager identifies an alert by the fingerprint of its
 * labels, so these must be a pure function of what identifies a finding (upgrade, signal, the group's
 * label values) plus constants: identical for every re-send of one finding, distinct for findings of
 * different groups. Alertmanager 0.25 accepts only classic label names (`[a-zA-Z_][a-zA-Z0-9_]*`),
 * so group label names are sanitized; a group label named like a reserved one is prefixed `group_`.
 */
import type { FindingRecord } from '../store/state-store.js';

/** `alertname` of every shiftguard alert. */
export const ALERT_NAME = 'ShiftguardRegression';

/** Labels shiftguard sets itself; a group label of the same name becomes `group_<name>`. */
export const RESERVED_LABELS: readonly string[] = ['alertname', 'upgrade', 'signal', 'severity'];

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
  const taken = new Set(RESERVED_LABELS);
  const mapping = new Map<string, string>();
  for (const name of [...names].sort()) {
    let base = sanitizeLabelName(name);
    if (RESERVED_LABELS.includes(base)) base = `group_${base}`;
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

/** A canonical text of a label set (sorted names), equal for equal sets: the dedup key of an alert. */
export function labelSetKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((name) => [name, labels[name]]));
}
