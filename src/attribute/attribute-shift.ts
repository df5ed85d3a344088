/**
 * Attribution: which changed binary explains a shift. Each binary is a hypothesis "on every
 * instance, the shift began when this binary was rolled out there"; the alternative is "the shift
 * began at a time unrelated to any rollout". Each instance's change-point likelihood is averaged
 * under each hypothesis (a kernel around the rollout slice vs a uniform prior over all slices), the
 * Bayes factors multiply over instances, and the posterior probabilities are the scores, so they
 * sum to at most 1 and the remainder belongs to "none of them".
 */
import type { SliceGrid } from '../series/model.js';
import type { InstanceOnset } from '../detect/onset.js';
import { sliceOf } from '../detect/onset.js';
import { alignmentEvidence, indistinguishableEvidence, preUpgradeEvidence } from './evidence.js';

/** A changed binary that may explain a group's shift. */
export interface Candidate {
  readonly binary: string;
  readonly from: string | null;
  readonly to: string | null;
  /** Rollout time per instance, ms; instances absent here do not run the binary (or are unknown). */
  readonly rolloutAtMs: ReadonlyMap<string, number>;
  /** Extra facts about the candidate (e.g. how it was tied to the group). */
  readonly notes: readonly string[];
}

export interface Suspect {
  readonly binary: string;
  readonly from: string | null;
  readonly to: string | null;
  /** Posterior probability that this binary's rollout started the shift (0..1). */
  readonly score: number;
  readonly evidence: string[];
}

export interface AttributionInput {
  readonly grid: SliceGrid;
  readonly onsets: readonly InstanceOnset[];
  readonly candidates: readonly Candidate[];
  readonly startedAtMs: number;
  /** Prior probability that no candidate explains the shift. */
  readonly priorNone?: number;
  /**
   * The log Bayes factor of each candidate; default: the product over instances of the
   * per-instance factors (`logBayesFactor`). The analysis passes the event-study factor.
   */
  readonly logBayesFactorOf?: (candidate: Candidate) => number;
  /** Further evidence lines per candidate (the event study's pooled step). */
  readonly evidenceOf?: (candidate: Candidate) => string[];
}

/** Ranks the candidates by score (descending), with evidence strings for each. */
export function attributeShift(input: AttributionInput): Suspect[] {
  const { grid, onsets, candidates } = input;
  if (candidates.length === 0 || onsets.length === 0) return [];
  const priorNone = input.priorNone ?? 0.2;
  const logPrior = Math.log((1 - priorNone) / candidates.length);
  const factor = input.logBayesFactorOf ?? ((c: Candidate) => onsets.reduce((acc, o) => acc + logBayesFactor(o, c.rolloutAtMs.get(o.instance), grid), 0));
  const logPosterior = candidates.map((c) => logPrior + factor(c));
  const all = [...logPosterior, Math.log(priorNone)];
  const max = Math.max(...all);
  const norm = all.reduce((acc, v) => acc + Math.exp(v - max), 0);
  const scores = logPosterior.map((v) => Math.exp(v - max) / norm);
  const preUpgrade = preUpgradeEvidence(onsets, input.startedAtMs, grid.sliceMs);
  const suspects = candidates.map((c, i) => ({
    binary: c.binary,
    from: c.from,
    to: c.to,
    score: round(scores[i] ?? 0),
    evidence: [...(input.evidenceOf?.(c) ?? []), ...alignmentEvidence(onsets, c.rolloutAtMs, grid.sliceMs), ...preUpgrade, ...c.notes],
  }));
  suspects.sort((a, b) => b.score - a.score || a.binary.localeCompare(b.binary));
  indistinguishableEvidence(suspects, candidates, grid.sliceMs);
  return suspects;
}

/**
 * log( mean of the instance's change-point likelihood under the rollout kernel / under a uniform
 * prior ). The kernel puts weight e^(−|d|) on the new regime starting d slices after the slice that
 * holds the rollout (d ≥ −1: a rollout late in a slice shows in the next one), so an effect that
 * appears a little after the restart still counts while one far from it does not.
 */
export function logBayesFactor(onset: InstanceOnset, rolloutMs: number | undefined, grid: SliceGrid): number {
  if (rolloutMs === undefined) return 0;
  const ll = onset.logLik;
  let max = -Infinity;
  for (const v of ll) if (v > max) max = v;
  if (!Number.isFinite(max)) return 0;
  let uniform = 0;
  let allowed = 0;
  for (const v of ll) {
    if (!Number.isFinite(v)) continue;
    uniform += Math.exp(v - max);
    allowed++;
  }
  const k = sliceOf(grid, rolloutMs);
  let kernel = 0;
  let weights = 0;
  for (let d = -1; d <= 10; d++) {
    const w = Math.exp(-Math.abs(d));
    weights += w;
    const v = ll[k + d];
    if (v !== undefined && Number.isFinite(v)) kernel += w * Math.exp(v - max);
  }
  const meanKernel = kernel / weights;
  const meanUniform = uniform / allowed;
  // A floor keeps one instance with a flat-zero kernel from sending the log to -Infinity.
  return Math.log(Math.max(meanKernel, 1e-300)) - Math.log(meanUniform);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
