/**
 * Typed views of a finding's `statistics` and `suspects`, which the state store keeps as opaque JSON
 * (the report's arrays, non-finite numbers written as null). Alert texts and change detection read
 * them through these views; malformed entries are skipped, never thrown on, so one odd record cannot
 * stop alert delivery.
 */

/** One statistic of a finding (CONTRACT §5 `statistics[]`); numbers the store wrote as null are NaN. */
export interface StatisticView {
  readonly name: string;
  readonly baseline: number;
  readonly after: number;
  /** (after − baseline) / baseline. */
  readonly relativeChange: number;
  /** Confidence interval of `relativeChange`, or null when absent. */
  readonly ci: readonly [number, number] | null;
  readonly pValue: number;
  /** Extension: the FDR-adjusted p-value, NaN when absent. */
  readonly qValue: number;
  /** Extension: this statistic's own verdict, null when absent. */
  readonly verdict: string | null;
}

/** One suspect of a finding (CONTRACT §5 `suspects[]`). */
export interface SuspectView {
  readonly binary: string;
  readonly from: string | null;
  readonly to: string | null;
  /** 0..1. */
  readonly score: number;
  readonly evidence: readonly string[];
}

/** Reads the statistics array; entries without a string `name` are skipped. */
export function readStatistics(value: unknown): StatisticView[] {
  if (!Array.isArray(value)) return [];
  const out: StatisticView[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry['name'] !== 'string') continue;
    const ci = entry['ci'];
    out.push({
      name: entry['name'],
      baseline: num(entry['baseline']),
      after: num(entry['after']),
      relativeChange: num(entry['relativeChange']),
      ci: Array.isArray(ci) && ci.length === 2 ? [num(ci[0]), num(ci[1])] : null,
      pValue: num(entry['pValue']),
      qValue: num(entry['qValue']),
      verdict: typeof entry['verdict'] === 'string' ? entry['verdict'] : null,
    });
  }
  return out;
}

/** Reads the suspects array, ordered by score (highest first); entries without a string `binary` are skipped. */
export function readSuspects(value: unknown): SuspectView[] {
  if (!Array.isArray(value)) return [];
  const out: SuspectView[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry['binary'] !== 'string') continue;
    const evidence = entry['evidence'];
    out.push({
      binary: entry['binary'],
      from: typeof entry['from'] === 'string' ? entry['from'] : null,
      to: typeof entry['to'] === 'string' ? entry['to'] : null,
      score: num(entry['score']),
      evidence: Array.isArray(evidence) ? evidence.filter((e): e is string => typeof e === 'string') : [],
    });
  }
  const score = (s: SuspectView): number => (Number.isFinite(s.score) ? s.score : -1);
  return out.sort((a, b) => score(b) - score(a));
}

/**
 * The statistic that best represents a finding, as the report's `leadStatistic` picks it: among the
 * statistics whose own verdict is the finding's, the one with the smallest q-value (then p-value);
 * without per-statistic verdicts, the one with the largest |relativeChange|.
 */
export function leadStatisticOf(statistics: readonly StatisticView[], verdict: string): StatisticView | undefined {
  const decided = statistics.filter((s) => s.verdict === verdict);
  if (decided.length > 0) {
    const key = (s: StatisticView): number => finiteOr(s.qValue, finiteOr(s.pValue, 1));
    return [...decided].sort((a, b) => key(a) - key(b))[0];
  }
  return [...statistics].sort((a, b) => finiteOr(Math.abs(b.relativeChange), -1) - finiteOr(Math.abs(a.relativeChange), -1))[0];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
