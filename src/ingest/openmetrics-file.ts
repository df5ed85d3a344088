/**
 * Metrics ingest from OpenMetrics / Prometheus text files with timestamps (what `promtool tsdb
 * create-blocks-from openmetrics` reads): streams each file in large chunks through the
 * charCode-scanning parser, keeps the requested series within the time range, merges series found
 * in several files, and implements the {@link MetricsSource} port over a fixed list of files.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { MetricsData, MetricsSource, SeriesRequest } from '../series/model.js';
import { ByteProgress } from './byte-progress.js';
import { MetricsInputError } from './metrics-input-error.js';
import { OpenMetricsFileParser } from './openmetrics-file-parser.js';
import type { ParseTarget } from './openmetrics-file-parser.js';
import { SeriesAccumulator } from './series-accumulator.js';
import { WarningCollector } from './warning-collector.js';

export { MetricsInputError } from './metrics-input-error.js';

/** Bytes per read from disk: large chunks keep per-chunk overhead negligible. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Options of {@link readOpenMetricsFiles}. */
export interface ReadOpenMetricsOptions {
  /** Called at most every ~64 MB or 1 s with bytes read so far and the total size of all files. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Clock (epoch ms) used to throttle progress; defaults to `Date.now`. */
  readonly nowMs?: () => number;
}

/**
 * Reads the samples of `request.metricNames` with timestamps in [startMs, endMs] (epoch ms,
 * inclusive) from the given files. Every line of every file is parsed and validated, kept or not.
 * Series are merged across files and sorted by time. Throws a {@link MetricsInputError} naming
 * file, line and column on bad input; returns aggregated warnings (non-finite counter samples,
 * counter resets, files without samples).
 */
export async function readOpenMetricsFiles(
  paths: readonly string[],
  request: SeriesRequest,
  options: ReadOpenMetricsOptions = {},
): Promise<MetricsData> {
  const sizes = await Promise.all(paths.map(fileSize));
  const total = sizes.reduce((a, b) => a + b, 0);
  const progress = new ByteProgress(total, options.onProgress, options.nowMs ?? Date.now);
  const warnings = new WarningCollector();
  const target: ParseTarget = {
    metricNames: new Set(request.metricNames),
    startMs: request.startMs,
    endMs: request.endMs,
    series: new SeriesAccumulator(),
    warnings,
  };
  for (const path of paths) {
    const sampleLines = await parseFile(path, target, progress);
    if (sampleLines === 0) warnings.add('no-samples', 'metrics file without any sample', 'file', path);
  }
  progress.finish();
  const series = target.series.finish(warnings);
  return { series, warnings: warnings.toStrings() };
}

/**
 * The {@link MetricsSource} port over a fixed list of OpenMetrics / Prometheus text files: each
 * `read` parses the files again with {@link readOpenMetricsFiles}.
 */
export function createFileMetricsSource(paths: readonly string[], options: ReadOpenMetricsOptions = {}): MetricsSource {
  const files = [...paths];
  return { read: (request) => readOpenMetricsFiles(files, request, options) };
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new MetricsInputError(path, 0, 'cannot open metrics file: not a regular file');
    return info.size;
  } catch (error) {
    if (error instanceof MetricsInputError) throw error;
    throw new MetricsInputError(path, 0, `cannot open metrics file: ${errorText(error)}`);
  }
}

/** Streams one file through a parser; returns its number of sample lines. */
async function parseFile(path: string, target: ParseTarget, progress: ByteProgress): Promise<number> {
  const parser = new OpenMetricsFileParser(path, target);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      const buffer = chunk as Buffer;
      const text = carry + decoder.write(buffer);
      carry = text.slice(parser.feed(text));
      progress.advance(buffer.length);
    }
  } catch (error) {
    if (error instanceof MetricsInputError) throw error;
    throw new MetricsInputError(path, parser.line, `cannot read metrics file: ${errorText(error)}`);
  }
  parser.end(carry + decoder.end());
  return parser.sampleLines;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
