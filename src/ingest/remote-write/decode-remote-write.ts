/**
 * Prometheus remote-write 1.0 (`POST /api/v1/write`) → {@link IngestBatch}: the pure decoding layer the
 * HTTP service calls. Headers are negotiated as Prometheus' own receiver does (`remote-write-headers.ts`),
 * the snappy block's declared size is checked before decompressing (`snappy-block.ts`), and the protobuf
 * is read by a hand-written decoder on protobufjs' `Reader` (`write-request-reader.ts`).
 *
 * Decoder choice: hand-written, over protobufjs' generated decoders. Static code (`pbjs -t static`)
 * needs protobufjs-cli, which the project does not have; protobufjs' reflection decoders compile the
 * same code at run time, so they stand for it. On the realistic ~1 MB request of
 * `test/fixtures/remote-write/measure-decoders.ts` (3,361 series of 10–13 labels, one sample each, as
 * Prometheus sends them), snappy included, CPU time per request on the 2-core project machine:
 * - hand-written, series seen before (steady state: the same series at every scrape): 3.4–4.0 ms,
 *   0.85–1.0 M samples/s (snappy alone: 0.73 ms);
 * - hand-written, series never seen before: 10–11 ms, 0.31–0.34 M samples/s;
 * - protobufjs reflection decoders plus the mapping to this model: 28–38 ms, 0.09–0.12 M samples/s
 *   (an object per label and sample, a `Long` per timestamp).
 * The hand-written decoder also names the message path and byte of every error.
 *
 * The service's receiver does not call this: `ingestRemoteWrite` (`ingest-remote-write.ts`) stores a
 * request directly, with the same answers, and skips decoding the labels of series the store holds.
 *
 * What is not an error but is counted in `rejected` (by sample): `stale_marker` (the NaN
 * 0x7ff0000000000002 Prometheus sends when a series ends), `missing_metric_name` (no `__name__`),
 * `native_histogram_unsupported` (TimeSeries.histograms), `non_finite_value` (NaN or ±Inf in a
 * cumulative series; gauges keep them). Exemplars are ignored.
 */
import type { IngestBatch, IngestSeries } from '../../series/model.js';
import { mapTimeSeries, temporalityResolver } from './map-time-series.js';
import { checkRemoteWriteHeaders } from './remote-write-headers.js';
import type { RemoteWriteHeaders } from './remote-write-headers.js';
import type { MetricTypeMemory } from './remote-write-temporality.js';
import { uncompressSnappyBlock } from './snappy-block.js';
import { readWriteRequest } from './write-request-reader.js';

/** Limits of one request. */
export interface RemoteWriteLimits {
  /** Largest decoded (decompressed) protobuf accepted, in bytes; checked against the snappy header first. */
  readonly maxDecodedBytes: number;
  /** Largest number of `TimeSeries` in one request; unlimited when absent. */
  readonly maxSeriesPerRequest?: number;
}

/**
 * Decodes one remote-write 1.0 request body (snappy block of a `prometheus.WriteRequest`).
 * `metricTypes`, when given, remembers the metadata of this and earlier requests (Prometheus sends
 * metadata in requests of their own); without it only this request's metadata is used, and series of
 * undeclared families get their temporality from their name.
 * Throws {@link IngestError}: 415 for unsupported headers (including remote-write 2.0), 413 over a
 * limit, 400 for corrupt snappy, malformed protobuf or invalid labels (duplicate, unsorted, empty name,
 * invalid UTF-8).
 */
export function decodeRemoteWrite(
  body: Uint8Array,
  headers: RemoteWriteHeaders,
  limits: RemoteWriteLimits,
  metricTypes?: MetricTypeMemory,
): IngestBatch {
  checkRemoteWriteHeaders(headers);
  const protobufBytes = uncompressSnappyBlock(body, limits.maxDecodedBytes);
  const request = readWriteRequest(protobufBytes, limits.maxSeriesPerRequest);
  const temporalityOf = temporalityResolver(request.metadata, metricTypes);
  const rejected = new Map<string, number>();
  const series: IngestSeries[] = [];
  for (const decoded of request.timeseries) {
    const mapped = mapTimeSeries(decoded, rejected, temporalityOf);
    if (mapped !== undefined) series.push(mapped);
  }
  return { series, rejected };
}
