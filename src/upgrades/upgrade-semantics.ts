/**
 * Cross-field checks of `upgrade.json` that a field schema cannot express. They run even when other fields
 * are invalid (so every problem is listed at once) and therefore read the value defensively.
 */
import type { z } from 'zod';
import { describeValue } from '../config/zod-messages.js';
import { formatRfc3339, parseRfc3339Ms } from './rfc3339.js';

/** Rollout times may precede `startedAt` by at most this much (clock skew, canaries started early). */
export const MAX_ROLLOUT_LEAD_MS = 3_600_000;

type Ctx = z.core.$RefinementCtx;
type Loose = Record<string, unknown>;

/**
 * Duplicate binary names, binaries both added and removed, `changed: false` with different versions,
 * rollout times before `startedAt` − 1h, instances repeated in one rollout, `finishedAt` before `startedAt`.
 */
export function checkUpgradeSemantics(value: unknown, ctx: Ctx): void {
  if (!isObject(value)) return;
  const startedAtMs = timeOf(value.startedAt);
  const finishedAtMs = timeOf(value.finishedAt);
  if (startedAtMs !== undefined && finishedAtMs !== undefined && finishedAtMs < startedAtMs) {
    addIssue(ctx, ['finishedAt'], `expected a time at or after startedAt (${formatRfc3339(startedAtMs)}), got ${describeValue(value.finishedAt)}`);
  }
  const binaries = Array.isArray(value.binaries) ? value.binaries : [];
  const firstByName = new Map<unknown, number>();
  binaries.forEach((binary: unknown, index) => {
    if (!isObject(binary)) return;
    const first = firstByName.get(binary.name);
    if (typeof binary.name === 'string' && first !== undefined) {
      addIssue(ctx, ['binaries', index, 'name'], `duplicate binary ${describeValue(binary.name)} (also binaries[${first}])`);
    } else firstByName.set(binary.name, index);
    checkVersions(binary, ['binaries', index], ctx);
    checkRollout(binary.rollout, ['binaries', index, 'rollout'], startedAtMs, ctx);
  });
}

function checkVersions(binary: Loose, path: PropertyKey[], ctx: Ctx): void {
  if (binary.from === null && binary.to === null) {
    addIssue(ctx, [...path, 'to'], 'a binary cannot be both added (from: null) and removed (to: null)');
  }
  if (binary.changed === false && typeof binary.from === 'string' && typeof binary.to === 'string' && binary.from !== binary.to) {
    addIssue(ctx, [...path, 'changed'], `changed is false but from (${binary.from}) differs from to (${binary.to})`);
  }
}

function checkRollout(rollout: unknown, path: PropertyKey[], startedAtMs: number | undefined, ctx: Ctx): void {
  if (!Array.isArray(rollout)) return;
  const firstByInstance = new Map<string, number>();
  rollout.forEach((step: unknown, index) => {
    if (!isObject(step)) return;
    const atMs = timeOf(step.at);
    if (startedAtMs !== undefined && atMs !== undefined && atMs < startedAtMs - MAX_ROLLOUT_LEAD_MS) {
      const earliest = formatRfc3339(startedAtMs - MAX_ROLLOUT_LEAD_MS);
      addIssue(ctx, [...path, index, 'at'], `expected a time at or after startedAt − 1h (${earliest}), got ${describeValue(step.at)}`);
    }
    if (typeof step.instance !== 'string') return;
    const first = firstByInstance.get(step.instance);
    if (first === undefined) firstByInstance.set(step.instance, index);
    else addIssue(ctx, [...path, index, 'instance'], `duplicate instance ${describeValue(step.instance)} (also rollout[${first}])`);
  });
}

function addIssue(ctx: Ctx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
}

function timeOf(value: unknown): number | undefined {
  return typeof value === 'string' ? parseRfc3339Ms(value) : undefined;
}

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
