/**
 * The report of one analysis (CONTRACT §5): every analysed group once, with its verdict,
 * statistics, onset and suspects, plus a summary and the warnings raised on the way.
 */
import type { Design } from '../detect/resample-plan.js';
import type { SecondOpinion, Verdict } from '../detect/statistic.js';

export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

export interface ReportStatistic {
  readonly name: string;
  readonly baseline: number;
  readonly after: number;
  readonly relativeChange: number;
  readonly ci: readonly [number, number];
  readonly pValue: number;
  readonly test: string;
  /** Extensions. */
  readonly observedAfter?: number;
  readonly qValue: number;
  readonly absoluteChange: number;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly design: Design;
  readonly exceedance?: { readonly le: number; readonly baselineFraction: number; readonly afterFraction: number };
  readonly resolution?: { readonly baseline: readonly [number, number]; readonly after: readonly [number, number] };
  readonly secondOpinion?: SecondOpinion;
}

export interface ReportSuspect {
  readonly binary: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly score: number;
  readonly evidence: readonly string[];
}

export interface ReportGroup {
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly verdict: Verdict;
  readonly statistics: readonly ReportStatistic[];
  readonly onset: string | null;
  readonly suspects: readonly ReportSuspect[];
  /** Extensions: why inconclusive, per-instance onsets, design notes, instance counts. */
  readonly reason?: string;
  readonly onsets?: readonly { readonly instance: string; readonly at: string }[];
  readonly design: Design;
  readonly notes: readonly string[];
  readonly instances: { readonly upgraded: number; readonly controls: number };
}

export interface Report {
  readonly upgrade: string;
  readonly generatedAt: string;
  readonly windows: { readonly baseline: TimeRange; readonly after: TimeRange };
  readonly groups: readonly ReportGroup[];
  readonly summary: {
    readonly groups: number;
    readonly regressions: number;
    readonly improvements: number;
    readonly inconclusive: number;
    /** Extension. */
    readonly noChange: number;
  };
  readonly warnings: readonly string[];
  /** Extensions. */
  readonly package?: string;
  readonly alpha: number;
  /** Extension (the service): how and as of when a monitored upgrade's report was computed. */
  readonly monitoring?: ReportMonitoring;
}

/**
 * How a report of `serve` was computed: `sequential` while the after window is still filling (the
 * anytime-valid test, safe to look at every slice), `fixed` for the final report once it is
 * complete (the same one-look analysis as `analyze`).
 */
export interface ReportMonitoring {
  readonly asOf: string;
  readonly method: 'sequential' | 'fixed';
  /** `monitoring` until the after window is complete, then `final`. */
  readonly status?: 'monitoring' | 'final';
}

/** Counts verdicts for the summary. */
export function summarize(groups: readonly ReportGroup[]): Report['summary'] {
  const count = (v: Verdict): number => groups.filter((g) => g.verdict === v).length;
  return {
    groups: groups.length,
    regressions: count('regression'),
    improvements: count('improvement'),
    inconclusive: count('inconclusive'),
    noChange: count('no_change'),
  };
}

/** Sort order for presenting groups: regressions first, then improvements, inconclusive, no change. */
export function verdictRank(v: Verdict): number {
  return { regression: 0, improvement: 1, inconclusive: 2, no_change: 3 }[v];
}

/** The report as JSON text (non-finite numbers become null, as JSON requires). */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}
