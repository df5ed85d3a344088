/**
 * The first pass of the remote-write receiver (`ingest-remote-write.ts`) over a serialized
 * `WriteRequest`: it validates the whole request before anything is stored, and finds the series
 * the store already holds without decoding their labels.
 *
 * For each `TimeSeries`, the run of `labels` fields it starts with is looked up in the store by its
 * bytes (`IndexedSeriesStore.findByKeyBytes`: Prometheus encodes a series' labels identically at
 * every scrape, and the store keeps keys in that encoding). On a hit, the samples are read straight
 * into typed arrays. Everything else is checked by the full decoder (`readTimeSeries`), which
 * checks every rule and names the byte of every error, and decoded again when it is applied
 * ({@link decodeUnknown}): series the store does not hold (or holds under another encoding of their
 * labels), and any series with something other than well-formed samples after its labels:
 * exemplars, native histograms, labels after samples, unknown fields, non-canonical tags, and NaN
 * or infinite values (whose rejection depends on the series' temporality). A hit needs its bytes
 * to equal a stored key exactly, so it decodes to that series; the fast path only accepts samples
 * the decoder would accept with the same values, so both paths agree on every request.
 */
import type { IndexedSeriesStore } from '../../series/series-store.js';
import { labelRunEnd } from './label-set-cache.js';
import { WIRE_LENGTH_DELIMITED, createWireReader, expectWireType, readLengthEnd, readTag, skipField, wireErrorWithin } from './protobuf-wire.js';
import { isStaleMarker, readMetadata, readTimeSeries, toIngestError, tooManySeries } from './write-request-reader.js';
import type { DecodedMetricMetadata, DecodedTimeSeries } from './write-request-reader.js';

/** Tags of `TimeSeries.samples` (field 2, length-delimited), `Sample.value` (1, fixed64) and `Sample.timestamp` (2, varint). */
const SAMPLES_TAG = 0x12;
const VALUE_TAG = 0x09;
const TIMESTAMP_TAG = 0x10;
/** Entries and samples the reusable scan arrays keep between requests (larger ones are let go). */
const KEPT_CAPACITY = 1 << 16;

/** A scanned request: its time series in order, each found in the store or checked by the full decoder. */
export interface ScannedWriteRequest {
  /** Time series kept, entries `[0, count)` of the arrays below. */
  readonly count: number;
  /** Per entry: the stored series number when found, else -1 (see {@link decodeUnknown}). */
  readonly seriesIds: Int32Array;
  /**
   * Per found entry: its samples are `[sampleFrom[e], sampleTo[e])` of `timestampsMs` and `values`.
   * Per other entry: the offset of its length prefix in the request, and its number in the request.
   */
  readonly sampleFrom: Int32Array;
  readonly sampleTo: Int32Array;
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  /** Stale markers of the found series (not in the samples). */
  readonly staleMarkers: number;
  readonly metadata: readonly DecodedMetricMetadata[];
}

/**
 * Decodes entry `entry` of `scan` (one not found in the store, so already checked) from the request
 * `bytes` it was scanned from, without the label-set cache (the scan offered it the label set).
 */
export function decodeUnknown(bytes: Uint8Array, scan: ScannedWriteRequest, entry: number): DecodedTimeSeries {
  const reader = createWireReader(bytes);
  reader.pos = scan.sampleFrom[entry] as number;
  return readTimeSeries(reader, scan.sampleTo[entry] as number, false);
}

/**
 * Scans a serialized `WriteRequest` (see the file comment). Throws {@link IngestError} exactly as
 * `readWriteRequest` does: 400 `invalid_protobuf` or `invalid_labels`, 413 `too_many_series` as soon
 * as more than `maxSeries` time series have been read. The arrays of the result are reused by the
 * next scan: use them before scanning again.
 */
export function scanWriteRequest(bytes: Uint8Array, store: IndexedSeriesStore, maxSeries = Number.POSITIVE_INFINITY): ScannedWriteRequest {
  const reader = createWireReader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scan = scratch.reset();
  const metadata: DecodedMetricMetadata[] = [];
  let timeseries = 0;
  try {
    while (reader.pos < reader.len) {
      const tagOffset = reader.pos;
      const tag = readTag(reader);
      const field = tag >>> 3;
      if (field === 1) {
        if (timeseries >= maxSeries) throw tooManySeries(maxSeries);
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'timeseries', tagOffset);
        const lengthOffset = reader.pos;
        const end = readLengthEnd(reader);
        if (scanKnownSeries(bytes, view, reader.pos, end, store, scan)) reader.pos = end;
        else {
          // Checked now, decoded again when applied: holding the decoded series of a whole request
          // (thousands of objects) kept them alive through young-generation collections, which made
          // V8 grow its young generation to the maximum (+17 MB of resident memory).
          reader.pos = lengthOffset;
          readTimeSeries(reader, timeseries);
          scan.addUnknown(lengthOffset, timeseries);
        }
        timeseries++;
      } else if (field === 3) {
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'metadata', tagOffset);
        metadata.push(readMetadata(reader, metadata.length));
      } else skipField(reader, tag, tagOffset);
    }
  } catch (error) {
    throw toIngestError(wireErrorWithin(error, 'WriteRequest', reader.pos));
  }
  return scan.result(metadata);
}

/**
 * Looks the `TimeSeries` in `bytes[start, end)` up by its labels' bytes and reads its samples into
 * `scan`; returns false, having added nothing, when the series must take the full decoder.
 */
function scanKnownSeries(bytes: Uint8Array, view: DataView, start: number, end: number, store: IndexedSeriesStore, scan: ScanArrays): boolean {
  const labelsEnd = labelRunEnd(bytes, start, end);
  if (labelsEnd <= start) return false;
  const id = store.findByKeyBytes(bytes, view, start, labelsEnd);
  if (id < 0) return false;
  const from = scan.sampleCount;
  let staleMarkers = 0;
  let pos = labelsEnd;
  while (pos < end) {
    if (bytes[pos] !== SAMPLES_TAG) return scan.rollback(from);
    const sampleEnd = readLength(bytes, pos + 1, end);
    if (sampleEnd < 0) return scan.rollback(from);
    pos = varint.pos;
    let value = 0;
    let timestampMs = 0;
    let stale = false;
    while (pos < sampleEnd) {
      const tag = bytes[pos] as number;
      if (tag === VALUE_TAG && pos + 9 <= sampleEnd) {
        stale = isStaleMarker(bytes, pos + 1);
        value = view.getFloat64(pos + 1, true);
        pos += 9;
      } else if (tag === TIMESTAMP_TAG && readInt64(bytes, pos + 1, sampleEnd)) {
        timestampMs = varint.value;
        pos = varint.pos;
      } else return scan.rollback(from);
    }
    if (stale) staleMarkers++;
    else if (Number.isFinite(value)) scan.addSample(timestampMs, value);
    else return scan.rollback(from);
  }
  scan.addFound(id, from, staleMarkers);
  return true;
}

/** Result of the last varint read: its value and the offset after it. */
const varint = { value: 0, pos: 0 };

/** Reads a length prefix at `pos`; returns the end of what it announces, or -1 when malformed or past `end`. */
function readLength(bytes: Uint8Array, pos: number, end: number): number {
  let length = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) return -1;
    const byte = bytes[pos++] as number;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      varint.pos = pos;
      return pos + length <= end ? pos + length : -1;
    }
  }
  return -1;
}

/** Reads an int64 varint at `pos` (before `end`) into {@link varint}, as `readInt64` does; false when malformed. */
function readInt64(bytes: Uint8Array, pos: number, end: number): boolean {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return false;
    const byte = bytes[pos++] as number;
    if (i < 4) lo |= (byte & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (byte & 0x0f) << 28;
      hi = (byte & 0x7f) >> 4;
    } else hi |= (byte & 0x7f) << (7 * i - 32);
    if (byte < 0x80) {
      varint.value = (hi | 0) * 4294967296 + (lo >>> 0);
      varint.pos = pos;
      return true;
    }
  }
  return false;
}

/** The growable arrays a scan fills, reused from request to request (the receiver is synchronous). */
class ScanArrays {
  count = 0;
  sampleCount = 0;
  staleMarkers = 0;
  seriesIds = new Int32Array(1024);
  sampleFrom = new Int32Array(1024);
  sampleTo = new Int32Array(1024);
  timestampsMs = new Float64Array(1024);
  values = new Float64Array(1024);

  reset(): this {
    if (this.seriesIds.length > KEPT_CAPACITY) this.resizeEntries(1024);
    if (this.values.length > KEPT_CAPACITY) this.resizeSamples(1024);
    this.count = 0;
    this.sampleCount = 0;
    this.staleMarkers = 0;
    return this;
  }

  addSample(timestampMs: number, value: number): void {
    if (this.sampleCount === this.values.length) this.resizeSamples(2 * this.values.length);
    this.timestampsMs[this.sampleCount] = timestampMs;
    this.values[this.sampleCount++] = value;
  }

  /** Forgets the samples added since `from`; returns false (for the caller to return). */
  rollback(from: number): false {
    this.sampleCount = from;
    return false;
  }

  /** Records a found series whose samples are those added since `from`; one without any is left out. */
  addFound(id: number, from: number, staleMarkers: number): void {
    this.staleMarkers += staleMarkers;
    if (this.sampleCount === from) return;
    const entry = this.nextEntry();
    this.seriesIds[entry] = id;
    this.sampleFrom[entry] = from;
    this.sampleTo[entry] = this.sampleCount;
  }

  /** Records a series to decode when applied: its length prefix at `offset`, number `index` in the request. */
  addUnknown(offset: number, index: number): void {
    const entry = this.nextEntry();
    this.seriesIds[entry] = -1;
    this.sampleFrom[entry] = offset;
    this.sampleTo[entry] = index;
  }

  result(metadata: readonly DecodedMetricMetadata[]): ScannedWriteRequest {
    return { ...this, metadata };
  }

  private nextEntry(): number {
    if (this.count === this.seriesIds.length) this.resizeEntries(2 * this.seriesIds.length);
    return this.count++;
  }

  private resizeEntries(length: number): void {
    this.seriesIds = copied(this.seriesIds, new Int32Array(length));
    this.sampleFrom = copied(this.sampleFrom, new Int32Array(length));
    this.sampleTo = copied(this.sampleTo, new Int32Array(length));
  }

  private resizeSamples(length: number): void {
    this.timestampsMs = copied(this.timestampsMs, new Float64Array(length));
    this.values = copied(this.values, new Float64Array(length));
  }
}

function copied<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}

const scratch = new ScanArrays();
