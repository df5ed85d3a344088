/** Summary statistics of repeated benchmark runs. */

/** Median, minimum and maximum of repeated measurements, in the measurements' unit. */
export interface RunSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/**
 * Summarizes repeated measurements: median (mean of the two middle values for an even count),
 * minimum and maximum. @throws RangeError on an empty list or a non-finite value.
 */
export function summarizeRuns(values: readonly number[]): RunSummary {
  if (values.length === 0) throw new RangeError('summarizeRuns: expected at least one measurement, got none');
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`summarizeRuns: expected finite measurements, got ${bad}`);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, runs: values.length };
}

/** Seconds elapsed while `run` settles, measured with the monotonic high-resolution clock. */
export async function timeSeconds<T>(run: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const startNs = process.hrtime.bigint();
  const result = await run();
  return { seconds: Number(process.hrtime.bigint() - startNs) / 1e9, result };
}
