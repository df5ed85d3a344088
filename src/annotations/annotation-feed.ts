/**
 * What shiftguard tells Grafana: upgrades and decisions as annotations. One place builds them, so
 * `GET /api/v1/annotations` (a dashboard's annotation query) and the push to Grafana's own annotation
 * API (`grafana-push.ts`) say the same thing about the same event. Times are epoch ms; an upgrade
 * spans its rollout (`startedAt` to `finishedAt`, a point while the rollout has no end), a decision
 * is a point at the moment of its state.
 */
import type { DecisionRecord, DecisionStatus } from '../store/state-store.js';
import type { Upgrade } from '../upgrades/upgrade.js';

/** One annotation in the shape of CONTRACT §6's `GET /api/v1/annotations` (and of a Grafana annotation). */
export interface Annotation {
  /** Start, epoch ms. */
  readonly time: number;
  /** End, epoch ms; equal to `time` for a point in time. */
  readonly timeEnd: number;
  readonly title: string;
  readonly text: string;
  readonly tags: string[];
}

/** What a decision's annotation says: the record's fields, at one state of its lifecycle. */
export type DecisionView = Pick<DecisionRecord, 'id' | 'flag' | 'kind' | 'upgradeId' | 'requestedBy' | 'approvedBy'> & {
  readonly status: DecisionStatus;
};

/** An upgrade as one annotation spanning its rollout: the package (or id) and every changed binary. */
export function upgradeAnnotation(upgrade: Upgrade): Annotation {
  const changed = upgrade.binaries.filter((b) => b.changed).map((b) => `${b.name} ${b.from ?? '∅'}→${b.to ?? '∅'}`);
  return {
    time: upgrade.startedAtMs,
    timeEnd: upgrade.finishedAtMs ?? upgrade.startedAtMs,
    title: `upgrade ${upgrade.id}`,
    text: `${upgrade.package ?? upgrade.id}: ${changed.join(', ')}`,
    tags: ['shiftguard', 'upgrade', upgrade.id],
  };
}

/** A decision at `status` as a point annotation at `atMs`: what changes which flag, who asked, who approved. */
export function decisionAnnotation(decision: DecisionView, atMs: number): Annotation {
  const d = decision;
  return {
    time: atMs,
    timeEnd: atMs,
    title: `decision ${d.id}: ${d.flag} ${d.status}`,
    text: `${d.kind} of ${d.flag} for upgrade ${d.upgradeId}, requested by ${d.requestedBy}${d.approvedBy ? `, approved by ${d.approvedBy}` : ''}`,
    tags: ['shiftguard', 'decision', d.status, d.flag],
  };
}

/**
 * The feed of `GET /api/v1/annotations`: every upgrade (in the order given) and every decision at its
 * current state (at `updatedAtMs`), those overlapping [fromMs, toMs], oldest first (a stable sort:
 * at equal times upgrades come first, in the order given, then decisions by id).
 */
export function annotationFeed(upgrades: readonly Upgrade[], decisions: readonly DecisionRecord[], fromMs: number, toMs: number): Annotation[] {
  const all = [...upgrades.map(upgradeAnnotation), ...decisions.map((d) => decisionAnnotation(d, d.updatedAtMs))];
  return all.filter((a) => a.timeEnd >= fromMs && a.time <= toMs).sort((a, b) => a.time - b.time);
}
