/**
 * Streams series as OpenMetrics text with timestamps, the input of `promtool tsdb
 * create-blocks-from openmetrics` and of `shiftguard analyze --metrics`.
 */
import type { RawSeries } from '../series/model.js';
import {
  assertSeriesOrdered,
  escapeHelp,
  formatSeriesPrefix,
  formatTimestampSeconds,
  formatValue,
  groupFamilies,
  histogramGroupKey,
  type FamilyType,
  type MetricFamily,
} from './openmetrics-format.js';

/** A sink: a Node writable stream (backpressure honoured) or anything with a synchronous `write`. */
export type TextSink = NodeJS.WritableStream | { write(chunk: string): boolean };

export interface OpenMetricsOptions {
  /** `# HELP` text per family name (counter families without `_total`). */
  readonly help?: Readonly<Record<string, string>>;
  /** Family type for series that are neither histograms nor `_total` counters; default `gauge`. */
  readonly types?: Readonly<Record<string, FamilyType>>;
}

const CHUNK_CHARS = 1 << 16;

/**
 * Writes `series` to `out` as OpenMetrics: one block per family (`# HELP`, `# TYPE`, samples), each
 * series' samples in time order, histogram samples grouped per label set and timestamp (buckets by
 * increasing `le`, then `_count`, `_sum`), timestamps in seconds, `# EOF` last. Writes in ~64 KiB
 * chunks and waits for `drain` when the stream asks. Does not end `out`. Throws (rejects) on invalid
 * metric or label names and on series whose timestamps are not strictly increasing.
 */
export async function writeOpenMetrics(series: readonly RawSeries[], out: TextSink, options: OpenMetricsOptions = {}): Promise<void> {
  for (const s of series) assertSeriesOrdered(s);
  const writer = new ChunkedWriter(out);
  for (const family of groupFamilies(series, options.types)) {
    const help = options.help?.[family.name];
    if (help !== undefined) writer.push(`# HELP ${family.name} ${escapeHelp(help)}\n`);
    writer.push(`# TYPE ${family.name} ${family.type}\n`);
    if (family.type === 'histogram') await writeHistogramFamily(family, writer);
    else await writeSimpleFamily(family, writer);
  }
  writer.push('# EOF\n');
  await writer.flush();
}

async function writeSimpleFamily(family: MetricFamily, writer: ChunkedWriter): Promise<void> {
  for (const s of family.series) {
    const prefix = formatSeriesPrefix(s);
    for (let i = 0; i < s.values.length; i++) {
      writer.push(`${prefix}${formatValue(s.values[i] ?? 0)} ${formatTimestampSeconds(s.timestampsMs[i] ?? 0)}\n`);
      if (writer.full) await writer.flush();
    }
  }
}

/** Sort key inside one histogram: buckets by increasing le, then _count, then _sum. */
function histogramSortKey(s: RawSeries, familyName: string): [number, number] {
  if (s.name !== `${familyName}_bucket`) return [s.name === `${familyName}_count` ? 1 : 2, 0];
  const le = s.labels['le'] ?? '';
  return [0, le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)];
}

function histogramOrder(familyName: string): (a: RawSeries, b: RawSeries) => number {
  return (a, b) => {
    const [ka, va] = histogramSortKey(a, familyName);
    const [kb, vb] = histogramSortKey(b, familyName);
    if (ka !== kb) return ka - kb;
    return va === vb ? 0 : va < vb ? -1 : 1;
  };
}

async function writeHistogramFamily(family: MetricFamily, writer: ChunkedWriter): Promise<void> {
  const groups = new Map<string, RawSeries[]>();
  for (const s of family.series) {
    const key = histogramGroupKey(s.labels);
    const group = groups.get(key) ?? [];
    group.push(s);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    group.sort(histogramOrder(family.name));
    await writeMergedByTime(group, writer);
  }
}

/** Emits the samples of `group` merged by timestamp, keeping the group's series order at equal times. */
async function writeMergedByTime(group: readonly RawSeries[], writer: ChunkedWriter): Promise<void> {
  const prefixes = group.map(formatSeriesPrefix);
  const cursors = new Array<number>(group.length).fill(0);
  for (;;) {
    let next = Number.POSITIVE_INFINITY;
    group.forEach((s, j) => {
      const t = s.timestampsMs[cursors[j] ?? 0];
      if (t !== undefined && t < next) next = t;
    });
    if (next === Number.POSITIVE_INFINITY) return;
    const timestamp = formatTimestampSeconds(next);
    group.forEach((s, j) => {
      const i = cursors[j] ?? 0;
      if (s.timestampsMs[i] !== next) return;
      writer.push(`${prefixes[j]}${formatValue(s.values[i] ?? 0)} ${timestamp}\n`);
      cursors[j] = i + 1;
    });
    if (writer.full) await writer.flush();
  }
}

/** Accumulates text and writes it in chunks, awaiting `drain` when the sink signals backpressure. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly out: TextSink) {}

  get full(): boolean {
    return this.size >= CHUNK_CHARS;
  }

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await waitForDrain(this.out);
  }
}

function waitForDrain(out: TextSink): Promise<void> {
  if (!('once' in out) || typeof out.once !== 'function') return Promise.resolve();
  const stream = out as NodeJS.WritableStream;
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      stream.removeListener('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      stream.removeListener('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
