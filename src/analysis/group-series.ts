/**
 * Groups raw series of one signal by its `by` labels and, within a group, by instance, turning
 * cumulative counters into per-slice increments on the analysis grid.
 */
import type { Labels, RawSeries, SliceGrid } from '../series/model.js';
import { counterIncrements } from '../series/counter-increments.js';

/** One group's per-instance increments; for histograms, keyed by bucket bound too. */
export interface SeriesGroup {
  readonly labels: Record<string, string>;
  /** instance → (bucket bound or '' for plain counters) → per-slice increments summed over matching series. */
  readonly instances: Map<string, Map<string, Float64Array>>;
}

/** Facts that the grouping noticed, for the report's warnings. */
export interface GroupingStats {
  resets: number;
  seriesWithoutInstance: number;
  maxGapMs: number;
  gapSeries: string[];
}

/**
 * Groups `series` (already filtered to one metric name) by the values of `by` (a missing label
 * counts as ""), sums increments of series that share group, instance and `le`.
 */
export function groupSeries(
  series: readonly RawSeries[],
  by: readonly string[],
  instanceLabel: string,
  grid: SliceGrid,
  stats: GroupingStats,
): Map<string, SeriesGroup> {
  const groups = new Map<string, SeriesGroup>();
  for (const s of series) {
    const instance = s.labels[instanceLabel];
    if (instance === undefined) {
      stats.seriesWithoutInstance++;
      continue;
    }
    const labels = pick(s.labels, by);
    const key = JSON.stringify(by.map((b) => labels[b]));
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels, instances: new Map() };
      groups.set(key, group);
    }
    const inc = counterIncrements(s, grid);
    stats.resets += inc.resets;
    if (inc.maxGapMs > 5 * 60_000) stats.gapSeries.push(`${s.name}{${instanceLabel}="${instance}"} (${Math.round(inc.maxGapMs / 60_000)}m)`);
    stats.maxGapMs = Math.max(stats.maxGapMs, inc.maxGapMs);
    let byBound = group.instances.get(instance);
    if (byBound === undefined) {
      byBound = new Map();
      group.instances.set(instance, byBound);
    }
    const bound = s.labels['le'] ?? '';
    const existing = byBound.get(bound);
    if (existing === undefined) byBound.set(bound, inc.increments);
    else for (let k = 0; k < existing.length; k++) existing[k] = (existing[k] ?? 0) + (inc.increments[k] ?? 0);
  }
  return groups;
}

function pick(labels: Labels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = labels[name] ?? '';
  return out;
}

/** Parses an `le` label value ("+Inf" → Infinity). */
export function parseBound(le: string): number {
  return le === '+Inf' || le === 'Inf' ? Infinity : Number(le);
}

/**
 * Turns one instance's cumulative-bucket increments into non-cumulative counts (slice-major) on
 * the group's bound layout. Returns null when the instance lacks a bound of the layout. Negative
 * differences (scrapes that caught buckets mid-update) are clamped to 0 and counted.
 */
export function bucketCounts(
  byBound: ReadonlyMap<string, Float64Array>,
  layout: readonly string[],
  slices: number,
  clamped: { count: number },
): Float64Array | null {
  const columns = layout.map((le) => byBound.get(le));
  if (columns.some((c) => c === undefined)) return null;
  const width = layout.length;
  const counts = new Float64Array(slices * width);
  for (let t = 0; t < slices; t++) {
    let previous = 0;
    for (let k = 0; k < width; k++) {
      const cumulative = columns[k]?.[t] ?? 0;
      let c = cumulative - previous;
      if (c < 0) {
        if (c < -1e-6) clamped.count++;
        c = 0;
      }
      counts[t * width + k] = c;
      previous = Math.max(previous, cumulative);
    }
  }
  return counts;
}

/** The bucket layout of a group: bounds present on every instance, sorted, ending with +Inf. */
export function bucketLayout(group: SeriesGroup): string[] {
  let common: string[] | null = null;
  for (const byBound of group.instances.values()) {
    common = common === null ? [...byBound.keys()] : common.filter((k) => byBound.has(k));
  }
  return (common ?? []).sort((a, b) => parseBound(a) - parseBound(b));
}
