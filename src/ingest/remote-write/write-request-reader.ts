/**
 * Hand-written decoder of the remote-write 1.0 `prometheus.WriteRequest` (see `remote-write-v1.proto`
 * beside this file) on protobufjs' `Reader`, chosen over protobufjs' generated decoders for speed and
 * error messages (figures in `decode-remote-write.ts`). It reads straight into the shape the mapper
 * needs: labels as a record (label sets of series seen before come from a {@link LabelSetCache}),
 * samples as two number arrays, int64 timestamps as numbers without `Long`, stale markers recognised
 * from their bits, exemplars and native histograms skipped without being materialised.
 *
 * Label rules (remote-write 1.0 specification, "Labels": a request with an invalid sample gets 400):
 * label names must be non-empty, valid UTF-8, unique and sorted byte-wise; values valid UTF-8. Mimir
 * rejects unsorted and duplicate names the same way; Prometheus' own receiver is laxer (it sorts the
 * labels, and skips series with duplicate names while answering 204). A label with an empty value
 * means "no label" in Prometheus' data model and is dropped.
 */
import { IngestError } from '../ingest-error.js';
import {
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
  WireError,
  createWireReader,
  expectWireType,
  readInt64,
  readLengthEnd,
  readTag,
  skipField,
  wireErrorWithin,
} from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { readLabel, readString } from './label-reader.js';
import type { LabelSpan } from './label-reader.js';
import { LabelSetCache, labelRunEnd } from './label-set-cache.js';

/** One decoded `TimeSeries`, before mapping. */
export interface DecodedTimeSeries {
  /** The `__name__` label; undefined when absent or empty. */
  readonly name: string | undefined;
  /** Every other label with a non-empty value. */
  readonly labels: Record<string, string>;
  readonly timestampsMs: number[];
  readonly values: number[];
  /** Samples whose value was the stale-marker NaN (0x7ff0000000000002); not in `values`. */
  readonly staleMarkers: number;
  /** Native histogram samples (field 4), counted and skipped. */
  readonly histograms: number;
}

/** One decoded `MetricMetadata`: the `MetricType` enum number and the family it describes. */
export interface DecodedMetricMetadata {
  readonly type: number;
  readonly familyName: string;
}

/** A decoded `WriteRequest`. */
export interface DecodedWriteRequest {
  readonly timeseries: DecodedTimeSeries[];
  readonly metadata: DecodedMetricMetadata[];
}

/**
 * Decodes a serialized `WriteRequest`. Throws {@link IngestError} 400 `invalid_protobuf` for a malformed
 * message (with the message path and byte offset), 400 `invalid_labels` for labels that break the rules
 * above, and 413 `too_many_series` as soon as more than `maxSeries` time series have been read.
 */
export function readWriteRequest(bytes: Uint8Array, maxSeries = Number.POSITIVE_INFINITY): DecodedWriteRequest {
  const reader = createWireReader(bytes);
  const timeseries: DecodedTimeSeries[] = [];
  const metadata: DecodedMetricMetadata[] = [];
  try {
    while (reader.pos < reader.len) {
      const tagOffset = reader.pos;
      const tag = readTag(reader);
      const field = tag >>> 3;
      if (field === 1) {
        if (timeseries.length >= maxSeries) throw tooManySeries(maxSeries);
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'timeseries', tagOffset);
        timeseries.push(readTimeSeries(reader, timeseries.length));
      } else if (field === 3) {
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'metadata', tagOffset);
        metadata.push(readMetadata(reader, metadata.length));
      } else skipField(reader, tag, tagOffset);
    }
  } catch (error) {
    throw toIngestError(wireErrorWithin(error, 'WriteRequest', reader.pos));
  }
  return { timeseries, metadata };
}

/** The {@link IngestError} a decoding error stands for (400 `invalid_protobuf` or `invalid_labels`); other errors unchanged. */
export function toIngestError(error: unknown): unknown {
  if (error instanceof WireError) return new IngestError(400, 'invalid_protobuf', `protobuf: ${error.describe()}`);
  if (error instanceof LabelError) return new IngestError(400, 'invalid_labels', `remote-write: WriteRequest.${error.path}: ${error.message}`);
  return error;
}

/** 413 `too_many_series`: the request has more than `maxSeries` time series. */
export function tooManySeries(maxSeries: number): IngestError {
  return new IngestError(413, 'too_many_series', `remote-write: the request has more than ${maxSeries} time series (the per-request limit)`);
}

/** Label rule broken at `path` (`timeseries[3].labels[1]`). */
class LabelError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/** Scratch state of the label being read and the one before it, reused (the decoder is synchronous). */
const span: LabelSpan = { nameStart: 0, nameEnd: 0, name: '', value: '' };
const previous = { start: -1, end: -1, name: '' };

/** A `TimeSeries` being filled in. */
interface MutableTimeSeries {
  name: string | undefined;
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
  staleMarkers: number;
  histograms: number;
}

/** Label sets seen before, by their encoded bytes (process-wide, bounded: 32,768 label sets). */
const labelSets = new LabelSetCache();

/** A DataView of the reader's buffer, kept on the reader (protobufjs' `view` field) for the whole request. */
function viewOf(reader: WireReader): DataView {
  return (reader.view ??= new DataView(reader.buf.buffer, reader.buf.byteOffset, reader.buf.byteLength));
}

/**
 * Reads the length-delimited `TimeSeries` at the reader's position (number `index` in its request, for
 * error paths), with every label rule checked; throws a {@link WireError} or a label error (see
 * {@link toIngestError}). `useCache` false reads without the label-set cache, neither asking it nor
 * offering it the label set (for a series read a second time).
 */
export function readTimeSeries(reader: WireReader, index: number, useCache = true): DecodedTimeSeries {
  const end = readLengthEnd(reader);
  const start = reader.pos;
  const outerLen = reader.len;
  reader.len = end;
  try {
    const series = (useCache ? readTimeSeriesFields(reader, start, end, index, true) : undefined) ?? readTimeSeriesFields(reader, start, end, index, false);
    reader.len = outerLen;
    return series;
  } catch (error) {
    throw wireErrorWithin(error, `timeseries[${index}]`, reader.pos);
  }
}

/**
 * Reads the fields of the `TimeSeries` in `[start, end)`. With `useCache`, the leading run of label
 * fields is looked up in {@link labelSets} (and stored there after decoding); returns undefined when a
 * cached series turns out to have more labels after its samples (read it again without the cache).
 */
function readTimeSeriesFields(reader: WireReader, start: number, end: number, index: number, useCache: false): MutableTimeSeries;
function readTimeSeriesFields(reader: WireReader, start: number, end: number, index: number, useCache: true): MutableTimeSeries | undefined;
function readTimeSeriesFields(reader: WireReader, start: number, end: number, index: number, useCache: boolean): MutableTimeSeries | undefined {
  reader.pos = start;
  const series: MutableTimeSeries = { name: undefined, labels: {}, timestampsMs: [], values: [], staleMarkers: 0, histograms: 0 };
  const runEnd = useCache ? labelRunEnd(reader.buf, start, end) : -1;
  const hash = runEnd > start ? labelSets.hashOf(reader.buf, viewOf(reader), start, runEnd) : 0;
  const cached = runEnd > start ? labelSets.get(hash, reader.buf, start, runEnd) : undefined;
  if (cached !== undefined) {
    series.name = cached.name;
    series.labels = cached.labels;
    reader.pos = runEnd;
  }
  let labelCount = 0;
  let labelsOutsideRun = false;
  previous.start = -1;
  while (reader.pos < end) {
    const tagOffset = reader.pos;
    const tag = readTag(reader);
    const field = tag >>> 3;
    if (field === 1) {
      if (cached !== undefined) return undefined;
      expectWireType(tag, WIRE_LENGTH_DELIMITED, 'labels', tagOffset);
      labelsOutsideRun ||= tagOffset >= runEnd;
      addLabel(reader, series, index, labelCount++);
    } else if (field === 2) {
      expectWireType(tag, WIRE_LENGTH_DELIMITED, 'samples', tagOffset);
      readSample(reader, series);
    } else if (field === 4) {
      expectWireType(tag, WIRE_LENGTH_DELIMITED, 'histograms', tagOffset);
      reader.pos = readLengthEnd(reader);
      series.histograms++;
    } else skipField(reader, tag, tagOffset);
  }
  if (cached === undefined && runEnd > start && !labelsOutsideRun) {
    labelSets.offer(hash, reader.buf, start, runEnd, series.name, series.labels);
  }
  return series;
}

/** Reads one label, checks it and its order after the previous one, and stores it (`__name__` apart). */
function addLabel(reader: WireReader, series: MutableTimeSeries, seriesIndex: number, labelIndex: number): void {
  const problem = readLabel(reader, span, labelIndex);
  if (problem !== undefined) throw new LabelError(`timeseries[${seriesIndex}].labels[${labelIndex}]`, problem);
  if (previous.start >= 0) checkLabelOrder(reader.buf, seriesIndex, labelIndex);
  previous.start = span.nameStart;
  previous.end = span.nameEnd;
  previous.name = span.name;
  if (span.name === '__name__') series.name = span.value === '' ? undefined : span.value;
  else if (span.value !== '') series.labels[span.name] = span.value;
}

/** Label names must be strictly increasing byte-wise: equal means duplicate, smaller means unsorted. */
function checkLabelOrder(bytes: Uint8Array, seriesIndex: number, labelIndex: number): void {
  const order = compareBytes(bytes, previous.start, previous.end, span.nameStart, span.nameEnd);
  if (order < 0) return;
  const path = `timeseries[${seriesIndex}].labels[${labelIndex}]`;
  if (order === 0) throw new LabelError(path, `duplicate label name ${JSON.stringify(span.name)}`);
  throw new LabelError(path, `label names are not sorted: ${JSON.stringify(span.name)} comes after ${JSON.stringify(previous.name)} (senders must sort label names byte-wise)`);
}

function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const common = Math.min(aLength, bLength);
  for (let i = 0; i < common; i++) {
    const difference = (bytes[aStart + i] as number) - (bytes[bStart + i] as number);
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/** Reads one `Sample` into the series; a stale marker is counted instead of stored. */
function readSample(reader: WireReader, series: MutableTimeSeries): void {
  const sampleIndex = series.values.length + series.staleMarkers;
  const end = readLengthEnd(reader);
  let value = 0;
  let timestampMs = 0;
  let stale = false;
  try {
    while (reader.pos < end) {
      const tagOffset = reader.pos;
      const tag = readTag(reader);
      const field = tag >>> 3;
      if (field === 1) {
        expectWireType(tag, WIRE_FIXED64, 'value', tagOffset);
        stale = isStaleMarker(reader.buf, reader.pos);
        value = reader.double();
      } else if (field === 2) {
        expectWireType(tag, WIRE_VARINT, 'timestamp', tagOffset);
        timestampMs = readInt64(reader);
      } else skipField(reader, tag, tagOffset);
    }
    if (reader.pos !== end) throw new WireError('truncated: the last field runs past the end of the sample', end);
  } catch (error) {
    throw wireErrorWithin(error, `samples[${sampleIndex}]`, reader.pos);
  }
  if (stale) series.staleMarkers++;
  else {
    series.timestampsMs.push(timestampMs);
    series.values.push(value);
  }
}

/** The stale-marker NaN 0x7ff0000000000002, little-endian, at `offset` (checked on the bytes: NaN payloads may not survive a JS number). */
export function isStaleMarker(bytes: Uint8Array, offset: number): boolean {
  return (
    bytes[offset + 7] === 0x7f &&
    bytes[offset + 6] === 0xf0 &&
    bytes[offset] === 0x02 &&
    bytes[offset + 1] === 0 &&
    bytes[offset + 2] === 0 &&
    bytes[offset + 3] === 0 &&
    bytes[offset + 4] === 0 &&
    bytes[offset + 5] === 0
  );
}

/** Reads the length-delimited `MetricMetadata` at the reader's position (number `index` in its request). */
export function readMetadata(reader: WireReader, index: number): DecodedMetricMetadata {
  const end = readLengthEnd(reader);
  let type = 0;
  let familyName = '';
  try {
    while (reader.pos < end) {
      const tagOffset = reader.pos;
      const tag = readTag(reader);
      const field = tag >>> 3;
      if (field === 1) {
        expectWireType(tag, WIRE_VARINT, 'type', tagOffset);
        type = reader.int32();
      } else if (field === 2) {
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'metric_family_name', tagOffset);
        familyName = readString(reader) ?? '';
      } else skipField(reader, tag, tagOffset);
    }
    if (reader.pos !== end) throw new WireError('truncated: the last field runs past the end of the metadata', end);
  } catch (error) {
    throw wireErrorWithin(error, `metadata[${index}]`, reader.pos);
  }
  return { type, familyName };
}
