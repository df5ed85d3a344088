/**
 * Histogram bucket handling of file ingest: normalises `le` label values to one canonical spelling
 * and checks, per file, that every classic histogram has its `le="+Inf"` bucket.
 */
import { formatSeries } from '../series/format-series.js';
import { labelsKey } from '../series/model.js';
import { MetricsInputError } from './metrics-input-error.js';
import { parseNumber } from './openmetrics-lexer.js';

/**
 * Canonical spelling of a bucket bound: `+Inf` for infinity, `String(Number(x))` otherwise
 * (`1e-1` → `0.1`, `1.0` → `1`). Returns undefined when `le` is not a number.
 */
export function normalizeLe(le: string): string | undefined {
  const value = parseNumber(le, 0, le.length);
  if (value === undefined || Number.isNaN(value)) return undefined;
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

interface BucketGroup {
  hasInf: boolean;
  readonly firstLine: number;
  readonly display: string;
}

/** Tracks, for one file, which histograms (bucket series sharing labels apart from `le`) have a `+Inf` bucket. */
export class HistogramBucketCheck {
  private readonly groups = new Map<string, BucketGroup>();

  constructor(private readonly file: string) {}

  /**
   * Normalises `labels.le` in place and registers the bucket series `name{labels}` first seen at
   * `line`. Throws a {@link MetricsInputError} when `le` is missing or not a number.
   */
  register(name: string, labels: Record<string, string>, line: number, column: number): void {
    const raw = labels.le;
    if (raw === undefined) {
      throw new MetricsInputError(this.file, line, `histogram bucket ${formatSeries(name, labels)} has no 'le' label`, column);
    }
    const le = normalizeLe(raw);
    if (le === undefined) {
      throw new MetricsInputError(this.file, line, `histogram bucket ${name} has le="${raw}", which is not a number or +Inf`, column);
    }
    labels.le = le;
    const { le: _le, ...rest } = labels;
    const key = `${name}{${labelsKey(rest)}}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { hasInf: false, firstLine: line, display: formatSeries(name, rest) };
      this.groups.set(key, group);
    }
    if (le === '+Inf') group.hasInf = true;
  }

  /** Throws a {@link MetricsInputError} naming the first histogram (and its first line) without a `+Inf` bucket. */
  verify(): void {
    for (const g of this.groups.values()) {
      if (!g.hasInf) {
        throw new MetricsInputError(
          this.file,
          g.firstLine,
          `histogram ${g.display} has no le="+Inf" bucket (every classic histogram needs one; its first bucket is on this line)`,
        );
      }
    }
  }
}
