import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { readWriteRequest } from './write-request-reader.js';
import { encodeWriteRequest, sortedLabels } from '../../../test/fixtures/remote-write/write-request-encoder.js';

/** Writes `build`'s fields into a fresh protobufjs Writer and returns the bytes. */
function bytesOf(build: (w: protobuf.Writer) => protobuf.Writer): Uint8Array {
  return build(protobuf.Writer.create()).finish();
}

/** A length-delimited field `field` whose content `build` writes. */
function sub(w: protobuf.Writer, field: number, build: (w: protobuf.Writer) => protobuf.Writer): protobuf.Writer {
  return build(w.uint32((field << 3) | 2).fork()).ldelim();
}

function label(w: protobuf.Writer, name: string, value: string): protobuf.Writer {
  return sub(w, 1, (l) => l.uint32(10).string(name).uint32(18).string(value));
}

function failure(bytes: Uint8Array): IngestError {
  try {
    readWriteRequest(bytes);
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected readWriteRequest to fail');
}

const valid = encodeWriteRequest({
  timeseries: [
    { labels: sortedLabels({ __name__: 'up', job: 'api' }), samples: [{ value: 1, timestamp: 1000 }] },
    { labels: sortedLabels({ __name__: 'x_total', job: 'api' }), samples: [{ value: 2.5, timestamp: 2000 }, { value: 3.5, timestamp: 3000 }] },
  ],
});

describe('readWriteRequest: malformed protobuf', () => {
  it('names the message path and byte of an invalid wire type', () => {
    const bytes = bytesOf((w) => sub(w, 1, (ts) => sub(label(ts, '__name__', 'up'), 1, (l) => l.uint32((1 << 3) | 7).uint32(1))));
    const error = failure(bytes);
    expect([error.status, error.code]).toEqual([400, 'invalid_protobuf']);
    expect(error.message).toBe('protobuf: WriteRequest.timeseries[0].labels[1]: invalid wire type 7 for field 1 (name) at byte 20');
  });

  it('reports a field of the wrong wire type', () => {
    const bytes = bytesOf((w) => sub(w, 1, (ts) => label(ts, '__name__', 'up').uint32((2 << 3) | 0).uint32(5)));
    expect(failure(bytes).message).toBe('protobuf: WriteRequest.timeseries[0]: field 2 (samples) has wire type 0, expected 2 at byte 18');
  });

  it('reports every truncation inside a field as 400 invalid_protobuf, never anything else', () => {
    let failures = 0;
    for (let cut = 1; cut < valid.length; cut++) {
      try {
        readWriteRequest(valid.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(IngestError);
        expect((error as IngestError).code).toBe('invalid_protobuf');
        expect((error as IngestError).message).toMatch(/^protobuf: WriteRequest[.:].*truncat/);
        failures++;
      }
    }
    // Only the cut between the two top-level TimeSeries leaves a valid (shorter) message.
    expect(failures).toBe(valid.length - 2);
  });

  it('reports a sample cut in its value with the sample path', () => {
    const sample = bytesOf((w) => sub(w, 1, (ts) => sub(label(ts, '__name__', 'up'), 2, (s) => s.uint32(9).fixed32(0))));
    expect(failure(sample).message).toMatch(/^protobuf: WriteRequest\.timeseries\[0\]\.samples\[0\]: truncated/);
  });

  it('rejects field number 0 and over-long varints', () => {
    expect(failure(Uint8Array.of(0x02, 0x00)).message).toBe('protobuf: WriteRequest: invalid tag 2 (field number 0) at byte 0');
    // TimeSeries { Sample { timestamp: 11-byte varint } }
    const sample = [0x10, ...new Array<number>(10).fill(0xff), 0x01];
    const longVarint = Uint8Array.of(0x0a, sample.length + 2, 0x12, sample.length, ...sample);
    expect(failure(longVarint).message).toBe('protobuf: WriteRequest.timeseries[0].samples[0]: invalid varint: longer than 10 bytes at byte 5');
  });

  it('skips unknown and reserved fields of every wire type, groups included', () => {
    const bytes = bytesOf((w) =>
      sub(w.uint32((2 << 3) | 0).uint32(7), 1, (ts) =>
        sub(label(ts, '__name__', 'up').uint32((9 << 3) | 5).fixed32(1).uint32((10 << 3) | 3).uint32((1 << 3) | 0).uint32(1).uint32((10 << 3) | 4), 2, (s) =>
          s.uint32(9).double(4).uint32((7 << 3) | 1).fixed64(0).uint32(16).uint32(5),
        ),
      ),
    );
    expect(readWriteRequest(bytes).timeseries).toEqual([{ name: 'up', labels: {}, timestampsMs: [5], values: [4], staleMarkers: 0, histograms: 0 }]);
  });

  it('rejects a group closed by the wrong field number', () => {
    const bytes = bytesOf((w) => w.uint32((9 << 3) | 3).uint32((8 << 3) | 4));
    expect(failure(bytes).message).toBe('protobuf: WriteRequest: end of group 8 closes group 9 at byte 1');
  });
});

describe('readWriteRequest: labels', () => {
  const withLabels = (labels: Array<[string, string]>): Uint8Array =>
    bytesOf((w) => sub(w, 1, (ts) => labels.reduce((acc, [name, value]) => label(acc, name, value), ts)));

  it('rejects duplicate label names with 400 invalid_labels', () => {
    const error = failure(withLabels([['__name__', 'up'], ['job', 'a'], ['job', 'b']]));
    expect([error.status, error.code]).toEqual([400, 'invalid_labels']);
    expect(error.message).toBe('remote-write: WriteRequest.timeseries[0].labels[2]: duplicate label name "job"');
  });

  it('rejects unsorted label names, compared byte-wise', () => {
    expect(failure(withLabels([['job', 'a'], ['__name__', 'up']])).message).toBe(
      'remote-write: WriteRequest.timeseries[0].labels[1]: label names are not sorted: "__name__" comes after "job" (senders must sort label names byte-wise)',
    );
    // Upper-case letters sort before `_`: this order is correct.
    const sorted = readWriteRequest(withLabels([['Host', 'h'], ['__name__', 'up'], ['a', '1']]));
    expect(sorted.timeseries[0]?.labels).toEqual({ Host: 'h', a: '1' });
  });

  it('rejects an empty label name, invalid UTF-8 and the name __proto__', () => {
    expect(failure(withLabels([['', 'x']])).message).toBe('remote-write: WriteRequest.timeseries[0].labels[0]: empty label name');
    expect(failure(withLabels([['__proto__', 'x']])).message).toMatch(/labels\[0\]: label name "__proto__" is not accepted$/);
    const invalidUtf8 = bytesOf((w) => sub(w, 1, (ts) => sub(ts, 1, (l) => l.uint32(10).string('job').uint32(18).bytes(Uint8Array.of(0x61, 0xff, 0x62)))));
    expect(failure(invalidUtf8).message).toBe('remote-write: WriteRequest.timeseries[0].labels[0]: label value is not valid UTF-8');
  });

  it('decodes multi-byte UTF-8 label values, including U+FFFD itself', () => {
    const decoded = readWriteRequest(withLabels([['__name__', 'up'], ['city', 'Zürich'], ['mark', '\uFFFD'], ['z', '東京']]));
    expect(decoded.timeseries[0]?.labels).toEqual({ city: 'Zürich', mark: '\uFFFD', z: '東京' });
  });
});

describe('readWriteRequest: label-set cache', () => {
  it('decodes a series identically whether its labels come from the cache or not', () => {
    const bytes = encodeWriteRequest({ timeseries: [{ labels: sortedLabels({ __name__: 'cached_total', job: 'api', pod: '' }), samples: [{ value: 1, timestamp: 7 }] }] });
    const decoded = [1, 2, 3].map(() => readWriteRequest(bytes).timeseries[0]);
    for (const series of decoded) expect(series).toEqual({ name: 'cached_total', labels: { job: 'api' }, timestampsMs: [7], values: [1], staleMarkers: 0, histograms: 0 });
    expect(decoded[2]?.labels).toBe(decoded[1]?.labels);
    expect(Object.isFrozen(decoded[2]?.labels)).toBe(true);
  });

  it('reads a series again without the cache when more labels follow its samples', () => {
    const prefix = (w: protobuf.Writer) => label(w, '__name__', 'interleaved');
    const plain = bytesOf((w) => sub(w, 1, (ts) => prefix(ts)));
    for (let i = 0; i < 3; i++) readWriteRequest(plain);
    const interleaved = bytesOf((w) => sub(w, 1, (ts) => label(sub(prefix(ts), 2, (s) => s.uint32(9).double(2)), 'job', 'api')));
    expect(readWriteRequest(interleaved).timeseries[0]).toMatchObject({ name: 'interleaved', labels: { job: 'api' }, values: [2] });
    expect(readWriteRequest(plain).timeseries[0]?.labels).toEqual({});
  });
});

describe('readWriteRequest: metadata', () => {
  it('reads type and family name, skipping help and unit', () => {
    const bytes = encodeWriteRequest({ metadata: [{ type: 'HISTOGRAM', metricFamilyName: 'lat_seconds', help: 'Latency.', unit: 'seconds' }] });
    expect(readWriteRequest(bytes).metadata).toEqual([{ type: 3, familyName: 'lat_seconds' }]);
  });
});
