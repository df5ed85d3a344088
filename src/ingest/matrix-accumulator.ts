/**
 * Gathers the matrix results of several `query_range` chunks into RawSeries: one per distinct
 * label set (name from `__name__`, labels without it), points sorted by time, duplicates across
 * chunks dropped.
 */
import { labelsKey } from '../series/model.js';
import type { Labels, RawSeries } from '../series/model.js';
import type { MatrixSeries } from './prometheus-json.js';

interface Pending {
  readonly name: string;
  readonly labels: Labels;
  readonly timestampsMs: number[];
  readonly values: number[];
}

/** Accumulates matrix series; {@link MatrixAccumulator.finish} returns them as RawSeries. */
export class MatrixAccumulator {
  private readonly pending = new Map<string, Pending>();

  /** `origin` is recorded on every series (`prometheus: query_range <name>`). */
  constructor(private readonly origin: string) {}

  /** Adds one chunk's series; `fallbackName` is used when a result lacks `__name__`. */
  add(matrix: readonly MatrixSeries[], fallbackName: string): void {
    for (const s of matrix) {
      const { __name__: name = fallbackName, ...labels } = s.metric;
      const key = `${name}{${labelsKey(labels)}}`;
      let p = this.pending.get(key);
      if (p === undefined) {
        p = { name, labels, timestampsMs: [], values: [] };
        this.pending.set(key, p);
      }
      for (let i = 0; i < s.timestampsMs.length; i++) {
        p.timestampsMs.push(s.timestampsMs[i] ?? 0);
        p.values.push(s.values[i] ?? NaN);
      }
    }
  }

  /** The series, sorted by identity, each with strictly increasing timestamps (first point kept on ties). */
  finish(): RawSeries[] {
    const keys = [...this.pending.keys()].sort();
    return keys.map((key) => {
      const p = this.pending.get(key) as Pending;
      const { timestampsMs, values } = sortUnique(p.timestampsMs, p.values);
      return { name: p.name, labels: p.labels, timestampsMs, values, origin: this.origin };
    });
  }
}

function sortUnique(ts: number[], values: number[]): { timestampsMs: Float64Array; values: Float64Array } {
  const order = ts.map((_, i) => i);
  order.sort((a, b) => (ts[a] ?? 0) - (ts[b] ?? 0) || a - b);
  const outTs = new Float64Array(order.length);
  const outValues = new Float64Array(order.length);
  let n = 0;
  for (const i of order) {
    const t = ts[i] ?? 0;
    if (n > 0 && outTs[n - 1] === t) continue;
    outTs[n] = t;
    outValues[n] = values[i] ?? NaN;
    n++;
  }
  return { timestampsMs: outTs.slice(0, n), values: outValues.slice(0, n) };
}
