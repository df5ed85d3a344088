/**
 * Pure pieces of the OpenMetrics text format (as read by `promtool tsdb create-blocks-from
 * openmetrics`): escaping, number and timestamp rendering, and grouping series into metric families.
 */
import { labelsKey, type Labels, type RawSeries } from '../series/model.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'unknown';

/** One metric family: its `# TYPE` name and the series that belong to it. */
export interface MetricFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly series: RawSeries[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Escapes `# HELP` text: backslash, double quote and newline. */
export function escapeHelp(text: string): string {
  return escapeLabelValue(text);
}

/** A sample value in shortest round-trip form; NaN and infinities as `NaN`, `+Inf`, `-Inf`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Epoch milliseconds as OpenMetrics seconds with at most millisecond precision (exact decimal, no float noise). */
export function formatTimestampSeconds(timestampMs: number): string {
  const ms = Math.round(Math.abs(timestampMs));
  const sign = timestampMs < 0 && ms > 0 ? '-' : '';
  const seconds = Math.floor(ms / 1000);
  const fraction = ms - seconds * 1000;
  if (fraction === 0) return `${sign}${seconds}`;
  return `${sign}${seconds}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/** `name{l1="v1",…} ` (trailing space included); `le` goes last. Throws on an invalid name. */
export function formatSeriesPrefix(series: RawSeries): string {
  if (!METRIC_NAME.test(series.name)) throw new Error(`${series.origin}: invalid metric name ${JSON.stringify(series.name)}`);
  const names = Object.keys(series.labels).filter((n) => n !== 'le');
  if ('le' in series.labels) names.push('le');
  const parts = names.map((name) => {
    if (!LABEL_NAME.test(name)) throw new Error(`${series.origin}: invalid label name ${JSON.stringify(name)} on ${series.name}`);
    return `${name}="${escapeLabelValue(series.labels[name] ?? '')}"`;
  });
  return parts.length === 0 ? `${series.name} ` : `${series.name}{${parts.join(',')}} `;
}

/** Throws unless the series' timestamps are strictly increasing and match its values. */
export function assertSeriesOrdered(series: RawSeries): void {
  if (series.timestampsMs.length !== series.values.length) {
    throw new Error(`${series.origin}: ${series.name} has ${series.timestampsMs.length} timestamps but ${series.values.length} values`);
  }
  for (let i = 1; i < series.timestampsMs.length; i++) {
    if (!((series.timestampsMs[i] ?? 0) > (series.timestampsMs[i - 1] ?? 0))) {
      throw new Error(`${series.origin}: ${series.name} timestamps are not strictly increasing at sample ${i}`);
    }
  }
}

function stripSuffix(name: string, suffix: string): string | undefined {
  return name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : undefined;
}

/** The family a series belongs to, given the set of histogram base names. */
function familyOf(series: RawSeries, histogramBases: ReadonlySet<string>, gaugeType: FamilyType): { name: string; type: FamilyType } {
  for (const suffix of ['_bucket', '_count', '_sum']) {
    const base = stripSuffix(series.name, suffix);
    if (base !== undefined && histogramBases.has(base)) return { name: base, type: 'histogram' };
  }
  const counter = stripSuffix(series.name, '_total');
  if (counter !== undefined) return { name: counter, type: 'counter' };
  return { name: series.name, type: gaugeType };
}

/**
 * Groups series into families: `X_bucket{le}` makes X a histogram (with `X_count`, `X_sum`), a
 * `_total` name a counter family without the suffix, anything else a gauge (or `types[name]`).
 * Families keep the order of their first series. Throws when two kinds claim one family name.
 */
export function groupFamilies(series: readonly RawSeries[], types: Readonly<Record<string, FamilyType>> = {}): MetricFamily[] {
  const histogramBases = new Set<string>();
  for (const s of series) {
    const base = stripSuffix(s.name, '_bucket');
    if (base !== undefined && 'le' in s.labels) histogramBases.add(base);
  }
  const families = new Map<string, MetricFamily>();
  for (const s of series) {
    const { name, type } = familyOf(s, histogramBases, types[s.name] ?? 'gauge');
    const family = families.get(name) ?? { name, type, series: [] };
    if (family.type !== type) throw new Error(`${s.origin}: ${s.name} would make family ${name} both ${family.type} and ${type}`);
    family.series.push(s);
    families.set(name, family);
  }
  return [...families.values()];
}

/** Labels without `le`, as a canonical key: groups the series of one histogram. */
export function histogramGroupKey(labels: Labels): string {
  const { le: _le, ...rest } = labels;
  return labelsKey(rest);
}
