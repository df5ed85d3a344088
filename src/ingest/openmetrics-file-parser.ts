/**
 * Line-by-line parser of one OpenMetrics / Prometheus text file with timestamps. It is fed large
 * decoded chunks and scans them with charCodeAt (no regex, no readline); label sets are interned by
 * their raw text, so each distinct series is validated and classified only once. Samples of
 * requested metrics within the time range go to a {@link SeriesAccumulator}.
 */
import { formatTimestampMs } from '../series/format-series.js';
import { HistogramBucketCheck } from './histogram-buckets.js';
import { MetricsInputError } from './metrics-input-error.js';
import { resolveMetricKind } from './metric-kind.js';
import { sameSampleValue } from './merge-segments.js';
import type { SampleSegment } from './sample-segment.js';
import type { SeriesAccumulator } from './series-accumulator.js';
import type { WarningCollector } from './warning-collector.js';
import type { LineContext } from './openmetrics-lexer.js';
import {
  describeAt,
  detach,
  isBlank,
  labelBlockEnd,
  metricNameEnd,
  parseLabels,
  parseNumber,
  skipBlanks,
  syntaxError,
  tokenEnd,
} from './openmetrics-lexer.js';
import { parseComment } from './openmetrics-comment.js';
import type { CommentState } from './openmetrics-comment.js';

/** Where parsed samples go and which of them are kept. */
export interface ParseTarget {
  readonly metricNames: ReadonlySet<string>;
  readonly startMs: number;
  readonly endMs: number;
  readonly series: SeriesAccumulator;
  readonly warnings: WarningCollector;
}

/** Timestamps below this are seconds (OpenMetrics), at or above it milliseconds (Prometheus text). */
export const SECONDS_TIMESTAMP_LIMIT = 1e11;

const HASH = 35;
const LBRACE = 123;
const CR = 13;
const NL = '\n';

interface SeriesEntry {
  lastTimestampMs: number;
  lastValue: number;
  lastLine: number;
  readonly cumulative: boolean;
  readonly segment: SampleSegment | null;
}

/** Parses one file; feed it chunks with {@link OpenMetricsFileParser.feed}, then call {@link OpenMetricsFileParser.end}. */
export class OpenMetricsFileParser implements LineContext, CommentState {
  readonly file: string;
  line = 0;
  lineStart = 0;
  readonly types = new Map<string, string>();
  eofLine = 0;
  openMetricsMarker: string | undefined;
  /** Number of sample lines in the file (kept or not). */
  sampleLines = 0;
  private readonly entries = new Map<string, SeriesEntry>();
  private readonly buckets: HistogramBucketCheck;

  constructor(
    file: string,
    private readonly target: ParseTarget,
  ) {
    this.file = file;
    this.buckets = new HistogramBucketCheck(file);
  }

  /** Parses every complete line of `text`; returns the index where the unfinished last line starts. */
  feed(text: string): number {
    let start = 0;
    let nl = text.indexOf(NL);
    while (nl !== -1) {
      this.line++;
      this.parseLine(text, start, nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl);
      start = nl + 1;
      nl = text.indexOf(NL, start);
    }
    return start;
  }

  /**
   * Parses `rest` (the file's last line when it has no trailing newline) and runs the end-of-file
   * checks: a cut-off last line, a missing `# EOF` in OpenMetrics, histograms without `+Inf`.
   */
  end(rest: string): void {
    if (rest.length > 0) {
      this.line++;
      try {
        this.parseLine(rest, 0, rest.charCodeAt(rest.length - 1) === CR ? rest.length - 1 : rest.length);
      } catch (error) {
        if (!(error instanceof MetricsInputError) || error.line !== this.line || this.eofLine > 0) throw error;
        throw new MetricsInputError(this.file, this.line, `the last line is cut short, the file looks truncated: ${error.reason}`, error.column);
      }
    }
    if (this.eofLine === 0 && this.openMetricsMarker !== undefined) {
      throw new MetricsInputError(
        this.file,
        this.line,
        `the file ends at line ${this.line} without '# EOF': the file looks truncated (it is OpenMetrics: ${this.openMetricsMarker})`,
      );
    }
    this.buckets.verify();
  }

  private parseLine(text: string, start: number, end: number): void {
    this.lineStart = start;
    const i = skipBlanks(text, start, end);
    if (i === end) return;
    if (this.eofLine > 0) throw syntaxError(this, i, `unexpected content after '# EOF' (line ${this.eofLine})`);
    if (text.charCodeAt(i) === HASH) parseComment(this, text, i, end);
    else this.parseSample(text, i, end);
  }

  private parseSample(text: string, start: number, end: number): void {
    this.sampleLines++;
    const nameEnd = metricNameEnd(text, start, end);
    if (nameEnd === start) {
      throw syntaxError(this, start, `expected a metric name, a '#' comment or an empty line, found ${describeAt(text, start, end)}`);
    }
    let i = nameEnd;
    if (i < end && text.charCodeAt(i) === LBRACE) {
      i = labelBlockEnd(text, i, end);
      if (i < 0) throw unclosedLabels(this, text, nameEnd, end);
    }
    const key = text.substring(start, i);
    const entry = this.entries.get(key) ?? this.intern(text, start, nameEnd, i, key);
    if (i >= end || !isBlank(text.charCodeAt(i))) {
      throw syntaxError(this, i, `expected a space before the sample value, found ${describeAt(text, i, end)}`);
    }
    i = skipBlanks(text, i, end);
    const valueEnd = tokenEnd(text, i, end);
    const value = parseNumber(text, i, valueEnd);
    if (value === undefined) throw badToken(this, text, i, valueEnd, end, 'sample value');
    i = skipBlanks(text, valueEnd, end);
    if (i >= end || text.charCodeAt(i) === HASH) {
      throw syntaxError(this, i, `sample has no timestamp (shiftguard needs timestamped samples, as promtool tsdb create-blocks-from openmetrics does)`);
    }
    const tsEnd = tokenEnd(text, i, end);
    const timestamp = parseNumber(text, i, tsEnd);
    if (timestamp === undefined || !Number.isFinite(timestamp)) throw badToken(this, text, i, tsEnd, end, 'timestamp');
    const after = skipBlanks(text, tsEnd, end);
    if (after < end && text.charCodeAt(after) !== HASH) {
      throw syntaxError(this, after, `expected the end of the line or a ' # ' exemplar after the timestamp, found ${describeAt(text, after, end)}`);
    }
    this.record(entry, key, value, this.toEpochMs(timestamp));
  }

  /** Converts a raw timestamp: below {@link SECONDS_TIMESTAMP_LIMIT} it is seconds, else milliseconds. */
  private toEpochMs(timestamp: number): number {
    if (timestamp >= SECONDS_TIMESTAMP_LIMIT) return Math.round(timestamp);
    this.openMetricsMarker ??= `timestamps in seconds, e.g. line ${this.line}`;
    return Math.round(timestamp * 1000);
  }

  private intern(text: string, start: number, nameEnd: number, keyEnd: number, key: string): SeriesEntry {
    const name = detach(text.substring(start, nameEnd));
    const labels = keyEnd > nameEnd ? parseLabels(this, text, nameEnd, keyEnd).labels : {};
    const kind = resolveMetricKind(name, this.types);
    if (kind.bucket) this.buckets.register(name, labels, this.line, nameEnd - this.lineStart + 1);
    const segment = this.target.metricNames.has(name)
      ? this.target.series.segmentFor(name, labels, kind.cumulative, this.file, this.line)
      : null;
    const entry: SeriesEntry = { lastTimestampMs: -Infinity, lastValue: NaN, lastLine: 0, cumulative: kind.cumulative, segment };
    this.entries.set(detach(key), entry);
    return entry;
  }

  private record(entry: SeriesEntry, key: string, value: number, timestampMs: number): void {
    if (timestampMs <= entry.lastTimestampMs) {
      this.checkRepeat(entry, key, value, timestampMs);
      return;
    }
    entry.lastTimestampMs = timestampMs;
    entry.lastValue = value;
    entry.lastLine = this.line;
    const segment = entry.segment;
    if (segment === null || timestampMs < this.target.startMs || timestampMs > this.target.endMs) return;
    if (entry.cumulative && !Number.isFinite(value)) {
      this.target.warnings.add(
        'non-finite-cumulative',
        'NaN or ±Inf value in a counter or histogram bucket, sample skipped',
        'sample',
        `${this.file}:${this.line}`,
      );
      return;
    }
    segment.push(timestampMs, value, this.line);
  }

  /** A sample not later than the previous one of its series: an exact repeat is dropped, anything else is an error. */
  private checkRepeat(entry: SeriesEntry, key: string, value: number, timestampMs: number): void {
    const previous = `line ${entry.lastLine}, at ${formatTimestampMs(entry.lastTimestampMs)}`;
    if (timestampMs < entry.lastTimestampMs) {
      throw new MetricsInputError(
        this.file,
        this.line,
        `timestamp ${formatTimestampMs(timestampMs)} of ${key} goes backwards: the previous sample of this series is on ${previous}`,
      );
    }
    if (!sameSampleValue(value, entry.lastValue)) {
      throw new MetricsInputError(
        this.file,
        this.line,
        `${key} has two different values at ${formatTimestampMs(timestampMs)}: ${entry.lastValue} on line ${entry.lastLine} and ${value} on this line`,
      );
    }
  }
}

function unclosedLabels(ctx: LineContext, text: string, labelsStart: number, end: number): MetricsInputError {
  parseLabels(ctx, text, labelsStart, end);
  return syntaxError(ctx, end, `expected '}' to close the label set, found end of line`);
}

function badToken(ctx: LineContext, text: string, start: number, tokenStop: number, end: number, what: string): MetricsInputError {
  if (tokenStop === start) return syntaxError(ctx, start, `expected a ${what}, found ${describeAt(text, start, end)}`);
  const expected = what === 'timestamp' ? 'a finite number' : 'a number, NaN, +Inf or -Inf';
  return syntaxError(ctx, start, `invalid ${what} '${text.substring(start, tokenStop)}' (expected ${expected})`);
}
