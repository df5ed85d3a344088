/**
 * Which rows of the audit log become Grafana annotations, and what they say: `upgrade.registered`
 * (the upgrade, spanning its rollout) and every decision row (`decision.created` and each
 * `decision.<status>` transition, a point at the row's time). The text comes from the current
 * upgrade or decision record (its fixed fields: flag, kind, upgrade, requester) and the row itself
 * (the status and approver at that moment), through the same builders as `GET /api/v1/annotations`.
 * Every other row (leadership, kill switch, the pusher's own cursor rows, …) is no annotation.
 * A record that is gone or whose stored document is invalid makes the row unbuildable (a permanent
 * state); a store that fails to answer throws (a passing state: the row is tried again).
 */
import { InputError } from '../config/input-error.js';
import type { UpgradeRegistry } from '../api/upgrade-registry.js';
import type { AuditEntry, DecisionRecord, DecisionStatus, DecisionStore } from '../store/state-store.js';
import { DECISION_STATUSES } from '../store/state-store.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import { decisionAnnotation, upgradeAnnotation } from './annotation-feed.js';
import type { Annotation } from './annotation-feed.js';

/** Where the records behind audit rows are read. */
export interface AnnotationSources {
  /** The registered upgrade, validated; null when unknown; `InputError` when the stored document is invalid. */
  upgradeOf(id: string): Promise<Upgrade | null>;
  decisionOf(id: string): Promise<DecisionRecord | null>;
}

/** The sources over the service's upgrade registry (which validates stored documents) and decision log. */
export function registrySources(registry: Pick<UpgradeRegistry, 'get'>, decisions: Pick<DecisionStore, 'getDecision'>): AnnotationSources {
  return {
    upgradeOf: async (id) => (await registry.get(id))?.upgrade ?? null,
    decisionOf: (id) => decisions.getDecision(id),
  };
}

/**
 * What a row means for the feed: no annotation, an annotation, or one that cannot be built (its record
 * is gone or unreadable; `reason` says why).
 */
export type AuditAnnotation =
  | { readonly kind: 'none' }
  | { readonly kind: 'annotation'; readonly annotation: Annotation }
  | { readonly kind: 'unbuildable'; readonly reason: string };

const NONE: AuditAnnotation = { kind: 'none' };

/** The annotation of one audit row (see the module comment). */
export async function annotationOfAudit(entry: AuditEntry, sources: AnnotationSources): Promise<AuditAnnotation> {
  if (entry.action === 'upgrade.registered') return upgradeRow(entry, sources);
  if (entry.action.startsWith('decision.')) return decisionRow(entry, sources);
  return NONE;
}

async function upgradeRow(entry: AuditEntry, sources: AnnotationSources): Promise<AuditAnnotation> {
  const id = subjectId(entry.subject, 'upgrade/');
  if (id === null) return { kind: 'unbuildable', reason: `audit row ${entry.seq} names no upgrade (subject ${JSON.stringify(entry.subject)})` };
  let upgrade: Upgrade | null;
  try {
    upgrade = await sources.upgradeOf(id);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { kind: 'unbuildable', reason: `the stored upgrade.json of ${id} is invalid: ${error.message}` };
  }
  if (upgrade === null) return { kind: 'unbuildable', reason: `upgrade ${id} is not registered` };
  return { kind: 'annotation', annotation: upgradeAnnotation(upgrade) };
}

async function decisionRow(entry: AuditEntry, sources: AnnotationSources): Promise<AuditAnnotation> {
  const details = objectOf(entry.details);
  const status = entry.action === 'decision.created' ? details['status'] : entry.action.slice('decision.'.length);
  if (!isDecisionStatus(status)) return NONE;
  const id = subjectId(entry.subject, 'decision/');
  if (id === null) return { kind: 'unbuildable', reason: `audit row ${entry.seq} names no decision (subject ${JSON.stringify(entry.subject)})` };
  const decision = await sources.decisionOf(id);
  if (decision === null) return { kind: 'unbuildable', reason: `decision ${id} is not in the decision log` };
  const approvedBy = typeof details['approvedBy'] === 'string' || details['approvedBy'] === null ? details['approvedBy'] : decision.approvedBy;
  return { kind: 'annotation', annotation: decisionAnnotation({ ...decision, status, approvedBy }, entry.atMs) };
}

/** `dten-2026.04` of `upgrade/dten-2026.04`; null when the subject has another prefix or nothing after it. */
function subjectId(subject: string, prefix: string): string | null {
  return subject.startsWith(prefix) && subject.length > prefix.length ? subject.slice(prefix.length) : null;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isDecisionStatus(value: unknown): value is DecisionStatus {
  return typeof value === 'string' && (DECISION_STATUSES as readonly string[]).includes(value);
}
