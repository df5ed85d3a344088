/**
 * Merges the samples of one series found in several files (or under several spellings of the same
 * label set) into one time-sorted series: exact duplicates are dropped, two different values at the
 * same timestamp are an error naming both places.
 */
import { formatTimestampMs } from '../series/format-series.js';
import { MetricsInputError } from './metrics-input-error.js';
import type { SampleSegment } from './sample-segment.js';

/** Time-sorted samples of one series. */
export interface MergedSamples {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

/** True when two sample values are the same (NaN equals NaN, 0 equals -0). */
export function sameSampleValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Merges `segments` (each strictly increasing in time) of the series shown as `display()` in errors.
 * Throws a {@link MetricsInputError} when two segments disagree on the value at one timestamp.
 */
export function mergeSegments(display: () => string, segments: readonly SampleSegment[]): MergedSamples {
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only !== undefined) {
    return { timestampsMs: only.timestampsMs.slice(0, only.length), values: only.values.slice(0, only.length) };
  }
  const all = concatenate(segments);
  const order = sortedOrder(all.timestampsMs);
  const ts = new Float64Array(order.length);
  const values = new Float64Array(order.length);
  let n = 0;
  let previous = -1;
  for (const k of order) {
    const t = all.timestampsMs[k] ?? NaN;
    const v = all.values[k] ?? NaN;
    if (n > 0 && t === ts[n - 1]) {
      const pv = values[n - 1] ?? NaN;
      if (!sameSampleValue(v, pv)) throw conflictError(display, t, all, previous, k, pv, v);
      continue;
    }
    ts[n] = t;
    values[n] = v;
    n++;
    previous = k;
  }
  return { timestampsMs: ts.slice(0, n), values: values.slice(0, n) };
}

interface Concatenated {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  readonly lines: Int32Array;
  readonly files: string[];
}

function concatenate(segments: readonly SampleSegment[]): Concatenated {
  const total = segments.reduce((sum, s) => sum + s.length, 0);
  const out: Concatenated = {
    timestampsMs: new Float64Array(total),
    values: new Float64Array(total),
    lines: new Int32Array(total),
    files: new Array<string>(total),
  };
  let offset = 0;
  for (const s of segments) {
    out.timestampsMs.set(s.timestampsMs.subarray(0, s.length), offset);
    out.values.set(s.values.subarray(0, s.length), offset);
    out.lines.set(s.lines.subarray(0, s.length), offset);
    out.files.fill(s.file, offset, offset + s.length);
    offset += s.length;
  }
  return out;
}

/** Indices sorted by timestamp; ties keep input order (file order). */
function sortedOrder(timestampsMs: Float64Array): Uint32Array {
  const order = new Uint32Array(timestampsMs.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (timestampsMs[a] ?? 0) - (timestampsMs[b] ?? 0) || a - b);
}

function conflictError(
  display: () => string,
  tMs: number,
  all: Concatenated,
  first: number,
  second: number,
  firstValue: number,
  secondValue: number,
): MetricsInputError {
  const firstPlace = `${all.files[first]}:${all.lines[first]}`;
  const file = all.files[second] ?? '';
  const line = all.lines[second] ?? 0;
  return new MetricsInputError(
    file,
    line,
    `series ${display()} has two different values at ${formatTimestampMs(tMs)}: ${firstValue} at ${firstPlace} and ${secondValue} at ${file}:${line}`,
  );
}
