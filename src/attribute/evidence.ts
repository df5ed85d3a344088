/**
 * Evidence strings for attribution: what an SRE reads to trust (or doubt) a suspect.
 */
import type { InstanceOnset } from '../detect/onset.js';
import type { Candidate, Suspect } from './attribute-shift.js';

/** How each instance's onset lines up with the binary's rollout there. */
export function alignmentEvidence(onsets: readonly InstanceOnset[], rollout: ReadonlyMap<string, number>, sliceMs: number): string[] {
  const lines: { instance: string; diffMs: number }[] = [];
  const missing: string[] = [];
  for (const o of onsets) {
    const at = rollout.get(o.instance);
    if (at === undefined) missing.push(o.instance);
    else lines.push({ instance: o.instance, diffMs: o.onsetMs - at });
  }
  const out: string[] = [];
  if (lines.length > 0) {
    const worst = Math.max(...lines.map((l) => Math.abs(l.diffMs)));
    const detail = lines.map((l) => `${l.instance} ${signedMinutes(l.diffMs)}`).join(', ');
    if (worst <= 2 * sliceMs) {
      out.push(`shift began on each instance within ${minutes(Math.max(worst, sliceMs))} of its rollout (${detail})`);
    } else {
      out.push(`shift onset vs rollout per instance: ${detail}`);
    }
  }
  if (missing.length > 0) out.push(`not rolled out (or no rollout time) on ${missing.join(', ')}, which shifted too`);
  return out;
}

/** Evidence that the shift predates the upgrade, when the median onset is before it started. */
export function preUpgradeEvidence(onsets: readonly InstanceOnset[], startedAtMs: number, sliceMs: number): string[] {
  const before = onsets.filter((o) => o.onsetMs < startedAtMs - sliceMs);
  if (before.length * 2 <= onsets.length) return [];
  const earliest = Math.min(...before.map((o) => o.onsetMs));
  return [
    `shift began before the upgrade started on ${before.length} of ${onsets.length} instances ` +
      `(earliest ${new Date(earliest).toISOString()}, upgrade started ${new Date(startedAtMs).toISOString()}): not caused by it`,
  ];
}

/**
 * Marks suspects the data cannot tell apart: rolled out within one slice of each other on every
 * instance they share, or scores within 25% of each other. Mutates the suspects' evidence.
 */
export function indistinguishableEvidence(suspects: Suspect[], candidates: readonly Candidate[], sliceMs: number): void {
  const byName = new Map(candidates.map((c) => [c.binary, c]));
  for (let i = 0; i < suspects.length; i++) {
    for (let j = i + 1; j < suspects.length; j++) {
      const a = suspects[i];
      const b = suspects[j];
      if (a === undefined || b === undefined || a.score + b.score < 0.2) continue;
      const sameTimes = rolledOutTogether(byName.get(a.binary), byName.get(b.binary), sliceMs);
      const close = Math.min(a.score, b.score) >= 0.75 * Math.max(a.score, b.score);
      if (!sameTimes && !close) continue;
      const why = sameTimes ? `rolled out within ${minutes(sliceMs)} of each other on every instance` : 'fit the timing of the shift about equally well';
      a.evidence.push(`${a.binary} and ${b.binary} ${why}: the data cannot tell them apart`);
      b.evidence.push(`${b.binary} and ${a.binary} ${why}: the data cannot tell them apart`);
    }
  }
}

function rolledOutTogether(a: Candidate | undefined, b: Candidate | undefined, sliceMs: number): boolean {
  if (a === undefined || b === undefined) return false;
  let shared = 0;
  for (const [instance, at] of a.rolloutAtMs) {
    const other = b.rolloutAtMs.get(instance);
    if (other === undefined) continue;
    shared++;
    if (Math.abs(other - at) > sliceMs) return false;
  }
  return shared > 0;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return Number.isInteger(m) ? `${m}m` : `${m.toFixed(1)}m`;
}

function signedMinutes(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${minutes(Math.abs(ms))}`;
}
