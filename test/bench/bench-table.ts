/** The benchmark's printed results: the side-by-side table and the analyze/promtool comparison. */
import type { RunSummary } from './run-stats.js';

/** One row of the table: a tool (or an in-process phase) and its measurements. */
export interface ToolFigures {
  readonly tool: string;
  /** Wall time over the repetitions, seconds. */
  readonly wallSeconds: RunSummary;
  /** User plus system CPU time over the repetitions, seconds; `null` when not measured. */
  readonly cpuSeconds: RunSummary | null;
  /** Largest peak RSS over the repetitions, bytes; `null` when not measured (in-process phases). */
  readonly peakRssBytes: number | null;
  /** Bytes processed per run, for MB/s; `null` when throughput in bytes means nothing for the row. */
  readonly bytes: number | null;
  /** Samples processed per run, for samples/s; `null` when not meaningful. */
  readonly samples: number | null;
}

/** analyze against promtool: ratios of wall time, CPU time and peak RSS (≤ 1 means analyze is cheaper). */
export interface ToolComparison {
  /** Ratio of median wall times: the figure the time target is judged on. */
  readonly timeRatio: number;
  /** Ratio of minimum wall times (least disturbed by other load on the machine). */
  readonly minTimeRatio: number;
  /** Ratio of median CPU times (user + system); `null` when not measured. */
  readonly cpuRatio: number | null;
  readonly memoryRatio: number | null;
  /** The target: analyze takes no longer than promtool's backfill (time ratio ≤ 1.0). */
  readonly timeTargetMet: boolean;
}

const HEADERS = ['tool', 'median wall s', 'min wall s', 'peak RSS MB', 'MB/s', 'samples/s', 'median CPU s'];

/**
 * Renders rows as a fixed-width text table: median and min wall seconds, peak RSS in MB (10^6
 * bytes), throughput in MB/s and samples/s from the median wall time, median CPU seconds (user +
 * system); `-` where not measured.
 */
export function formatBenchTable(rows: readonly ToolFigures[]): string {
  const cells = [HEADERS, ...rows.map(rowCells)];
  const widths = HEADERS.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADERS), rule, ...cells.slice(1).map(line)].join('\n');
}

function rowCells(row: ToolFigures): string[] {
  const median = row.wallSeconds.median;
  const perSecond = (amount: number | null, scale: number, digits: number): string =>
    amount === null || !(median > 0) ? '-' : (amount / scale / median).toFixed(digits);
  return [
    row.tool,
    median.toFixed(3),
    row.wallSeconds.min.toFixed(3),
    row.peakRssBytes === null ? '-' : (row.peakRssBytes / 1e6).toFixed(1),
    perSecond(row.bytes, 1e6, 1),
    perSecond(row.samples, 1, 0),
    row.cpuSeconds === null ? '-' : row.cpuSeconds.median.toFixed(2),
  ];
}

/**
 * Compares analyze with promtool as analyze / promtool ratios of median and minimum wall time,
 * median CPU time and peak RSS. @throws RangeError when a promtool wall time is not positive.
 */
export function compareTools(analyze: ToolFigures, promtool: ToolFigures): ToolComparison {
  if (!(promtool.wallSeconds.min > 0)) throw new RangeError(`compareTools: promtool wall times must be > 0 s, got min ${promtool.wallSeconds.min}`);
  const timeRatio = analyze.wallSeconds.median / promtool.wallSeconds.median;
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a === null || a === undefined || b === null || b === undefined || !(b > 0) ? null : a / b;
  return {
    timeRatio,
    minTimeRatio: analyze.wallSeconds.min / promtool.wallSeconds.min,
    cpuRatio: ratio(analyze.cpuSeconds?.median, promtool.cpuSeconds?.median),
    memoryRatio: ratio(analyze.peakRssBytes, promtool.peakRssBytes),
    timeTargetMet: timeRatio <= 1,
  };
}

/** The ratio lines and the PASS/MISS line of the time target. */
export function formatComparison(comparison: ToolComparison): string {
  const shown = (r: number | null): string => (r === null ? 'not measured' : r.toFixed(2));
  const verdict = comparison.timeTargetMet ? 'PASS' : 'MISS';
  return [
    `ratio analyze/promtool, median wall time: ${comparison.timeRatio.toFixed(2)}`,
    `ratio analyze/promtool, min wall time:    ${comparison.minTimeRatio.toFixed(2)}`,
    `ratio analyze/promtool, median CPU time:  ${shown(comparison.cpuRatio)}`,
    `ratio analyze/promtool, peak RSS:         ${shown(comparison.memoryRatio)}`,
    `${verdict}: time target (analyze no slower than promtool's backfill, ratio <= 1.00): ${comparison.timeRatio.toFixed(2)}`,
  ].join('\n');
}
