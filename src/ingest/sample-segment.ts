/**
 * Growable typed-array storage for the samples of one series read from one file, with the line of
 * each sample so that conflicts found while merging files can name both places.
 */

const INITIAL_CAPACITY = 16;

/** Samples of one series from one file, in file order (strictly increasing timestamps). */
export class SampleSegment {
  /** The file these samples came from. */
  readonly file: string;
  timestampsMs: Float64Array;
  values: Float64Array;
  /** 1-based line of each sample in {@link SampleSegment.file}. */
  lines: Int32Array;
  length = 0;

  constructor(file: string) {
    this.file = file;
    this.timestampsMs = new Float64Array(INITIAL_CAPACITY);
    this.values = new Float64Array(INITIAL_CAPACITY);
    this.lines = new Int32Array(INITIAL_CAPACITY);
  }

  /** Appends one sample (timestamp in epoch ms), doubling the arrays when full. */
  push(timestampMs: number, value: number, line: number): void {
    if (this.length === this.timestampsMs.length) this.grow();
    const n = this.length++;
    this.timestampsMs[n] = timestampMs;
    this.values[n] = value;
    this.lines[n] = line;
  }

  private grow(): void {
    const capacity = this.timestampsMs.length * 2;
    const ts = new Float64Array(capacity);
    ts.set(this.timestampsMs);
    const values = new Float64Array(capacity);
    values.set(this.values);
    const lines = new Int32Array(capacity);
    lines.set(this.lines);
    this.timestampsMs = ts;
    this.values = values;
    this.lines = lines;
  }
}
