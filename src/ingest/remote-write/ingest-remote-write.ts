/**
 * The remote-write 1.0 receiver's path into the series store: what `decodeRemoteWrite` followed by
 * `store.ingest` does, with the same answers, errors and counts, without decoding the labels of
 * series the store already holds (most of a receiver's work: Prometheus resends every series at
 * every scrape).
 *
 * Two passes. The first (`write-request-scan.ts`) checks the headers, the decoded size (before
 * decompressing), and the whole protobuf, so a malformed request stores nothing; it finds known
 * series by the bytes of their labels and checks the others with the full decoder. The second
 * applies the series in request order: found ones append their samples; the others are decoded
 * again, mapped as `decodeRemoteWrite` maps them (temporality from this and earlier requests'
 * metadata) and given to the store's `ingestSeries` (which creates them, within the cardinality
 * limit).
 *
 * Memory: the request is decompressed into a buffer reused from request to request
 * (`uncompressSnappyBlockReusing`), and nothing of a request outlives it. On the benchmark's load
 * this kept V8's young generation at its start size and the resident memory steady; with a fresh
 * buffer per request (about 600 kB) and the decoded new series held for a whole request, the
 * young generation doubled (+17 MB) and tens of MB of dead buffers waited for collection.
 */
import type { IngestOutcome, IndexedSeriesStore } from '../../series/series-store.js';
import type { RemoteWriteLimits } from './decode-remote-write.js';
import { countRejected, mapTimeSeries, temporalityResolver } from './map-time-series.js';
import { checkRemoteWriteHeaders } from './remote-write-headers.js';
import type { RemoteWriteHeaders } from './remote-write-headers.js';
import type { MetricTypeMemory } from './remote-write-temporality.js';
import { uncompressSnappyBlockReusing } from './snappy-block.js';
import { decodeUnknown, scanWriteRequest } from './write-request-scan.js';

/** What one remote-write request did to the store. */
export interface RemoteWriteOutcome extends IngestOutcome {
  /** Time series that reached the store with at least one sample (the `series` of the batch `decodeRemoteWrite` returns). */
  readonly series: number;
}

/**
 * Decodes one remote-write 1.0 request body into `store`; `now` gives the time (epoch ms) the
 * retention is counted from, read after the request is validated. `metricTypes` remembers metadata
 * across requests, as for `decodeRemoteWrite`. Throws the same {@link IngestError}s as
 * `decodeRemoteWrite`, before storing anything.
 */
export function ingestRemoteWrite(
  body: Uint8Array,
  headers: RemoteWriteHeaders,
  limits: RemoteWriteLimits,
  store: IndexedSeriesStore,
  now: () => number,
  metricTypes?: MetricTypeMemory,
): RemoteWriteOutcome {
  checkRemoteWriteHeaders(headers);
  const protobufBytes = uncompressSnappyBlockReusing(body, limits.maxDecodedBytes);
  const scan = scanWriteRequest(protobufBytes, store, limits.maxSeriesPerRequest);
  const temporalityOf = temporalityResolver(scan.metadata, metricTypes);
  const rejected = new Map<string, number>();
  countRejected(rejected, 'stale_marker', scan.staleMarkers);
  const nowMs = now();
  let acceptedSamples = 0;
  let series = 0;
  for (let entry = 0; entry < scan.count; entry++) {
    const id = scan.seriesIds[entry] as number;
    if (id >= 0) {
      series++;
      acceptedSamples += store.appendSamples(id, scan.timestampsMs, scan.values, scan.sampleFrom[entry] as number, scan.sampleTo[entry] as number, nowMs, rejected);
      continue;
    }
    const mapped = mapTimeSeries(decodeUnknown(protobufBytes, scan, entry), rejected, temporalityOf);
    if (mapped === undefined) continue;
    series++;
    acceptedSamples += store.ingestSeries(mapped, nowMs, rejected);
  }
  return { acceptedSamples, rejected, series };
}
