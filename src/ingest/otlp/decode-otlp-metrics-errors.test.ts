import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { decodeOtlpMetrics, type OtlpRequestHeaders } from './decode-otlp-metrics.js';
import { encodeOtlpTestRequest, nanosOf } from './encode-otlp-test-request.js';

const OPTIONS = { maxDecodedBytes: 64 * 1024, labels: { instance: 'instance', service: 'service' } };
const VALID = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: nanosOf(1), asDouble: 1 }] } }] }] }] };

function failure(body: Uint8Array | string, headers: OtlpRequestHeaders): IngestError {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  try {
    decodeOtlpMetrics(bytes, headers, OPTIONS);
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

function jsonFailure(json: unknown): IngestError {
  return failure(JSON.stringify(json), { contentType: 'application/json' });
}

function metricsJson(metric: object): object {
  return { resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] };
}

describe('decodeOtlpMetrics content negotiation', () => {
  it.each([
    [{ contentType: 'text/plain' }, 'Content-Type "text/plain"'],
    [{}, 'no Content-Type'],
    [{ contentType: 'application/grpc' }, 'Content-Type "application/grpc"'],
  ])('answers 415 for %j', (headers, named) => {
    const error = failure(encodeOtlpTestRequest(VALID, 'protobuf'), headers);
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(error.message).toContain(named);
  });

  it('accepts parameters and any case in the Content-Type, and application/protobuf', () => {
    for (const contentType of ['Application/JSON; charset=utf-8', 'application/protobuf']) {
      const encoding = contentType.startsWith('Application/JSON') ? 'json' : 'protobuf';
      const result = decodeOtlpMetrics(encodeOtlpTestRequest(VALID, encoding), { contentType }, OPTIONS);
      expect(result.batch.series).toHaveLength(1);
    }
  });

  it('answers 415 for an encoding other than gzip', () => {
    const error = failure(encodeOtlpTestRequest(VALID, 'json'), { contentType: 'application/json', contentEncoding: 'br' });
    expect(error).toMatchObject({ status: 415, code: 'unsupported_encoding' });
    expect(error.message).toBe('Content-Encoding "br": OTLP/HTTP accepts gzip or no encoding');
  });

  it('answers 413 for a gzip bomb, stopping at the limit', () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(OPTIONS.maxDecodedBytes);
    const error = failure(bomb, { contentType: 'application/json', contentEncoding: 'gzip' });
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(error.message).toBe('the gzip body inflates past the limit, over the limit of 65536 decoded bytes');
  });

  it('answers 413 for an uncompressed body over the limit', () => {
    const error = failure(new Uint8Array(OPTIONS.maxDecodedBytes + 1), { contentType: 'application/x-protobuf' });
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('answers 400 for corrupt gzip', () => {
    const error = failure('not gzip at all', { contentType: 'application/json', contentEncoding: 'gzip' });
    expect(error).toMatchObject({ status: 400, code: 'invalid_gzip' });
    expect(error.message).toMatch(/^gzip: the body cannot be decompressed: /);
  });
});

describe('decodeOtlpMetrics malformed protobuf', () => {
  it('names the field path and byte of a truncated body', () => {
    const bytes = encodeOtlpTestRequest(VALID, 'protobuf');
    const error = failure(bytes.subarray(0, bytes.length - 3), { contentType: 'application/x-protobuf' });
    expect(error).toMatchObject({ status: 400, code: 'invalid_protobuf' });
    expect(error.message).toMatch(/^protobuf: ExportMetricsServiceRequest\.resourceMetrics\[0\]: truncated: length \d+ runs past the end/);
  });

  it('names the field holding invalid UTF-8', () => {
    const bytes = encodeOtlpTestRequest(VALID, 'protobuf');
    const at = Buffer.from(bytes).indexOf(0x67); // the metric name "g"
    const broken = Uint8Array.from(bytes);
    broken[at] = 0xff;
    const error = failure(broken, { contentType: 'application/x-protobuf' });
    expect(error.message).toBe(`protobuf: ExportMetricsServiceRequest.resourceMetrics[0].scopeMetrics[0].metrics[0].name: string is not valid UTF-8 at byte ${at}`);
  });

  it('answers 400 for random bytes', () => {
    const error = failure(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { contentType: 'application/x-protobuf' });
    expect(error).toMatchObject({ status: 400, code: 'invalid_protobuf' });
    expect(error.message).toContain('protobuf: ExportMetricsServiceRequest.resourceMetrics[0]: truncated: length 4294967295');
  });
});

describe('decodeOtlpMetrics malformed JSON', () => {
  it('answers 400 for JSON syntax errors', () => {
    const error = failure('{"resourceMetrics": [', { contentType: 'application/json' });
    expect(error).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(error.message).toMatch(/^json: \$: not valid JSON: /);
  });

  it.each([
    [[], '$: expected an object (ExportMetricsServiceRequest message), got an array'],
    [{ resourceMetrics: 'x' }, '$.resourceMetrics: expected an array, got the string "x"'],
    [{ resourceMetrics: ['x'] }, '$.resourceMetrics[0]: expected an object (ResourceMetrics message), got the string "x"'],
    [{ resourceMetrics: [null] }, '$.resourceMetrics[0]: null is not allowed in an array'],
    [
      metricsJson({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 'abc' }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected a number (or "NaN", "Infinity", "-Infinity"), got the string "abc"',
    ],
    [
      metricsJson({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '12a' }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: expected an integer (fixed64; a JSON number or a decimal string), got the string "12a"',
    ],
    [
      metricsJson({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '-5' }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: -5 is out of range for fixed64',
    ],
    [
      metricsJson({ name: 'c', sum: { isMonotonic: 'true' } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.isMonotonic: expected true or false, got the string "true"',
    ],
    [
      metricsJson({ name: 'c', sum: { aggregationTemporality: 'cumulative' } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: expected an integer value of enum AggregationTemporality: 0 (AGGREGATION_TEMPORALITY_UNSPECIFIED), 1 (AGGREGATION_TEMPORALITY_DELTA), 2 (AGGREGATION_TEMPORALITY_CUMULATIVE); got the string "cumulative"',
    ],
    [metricsJson({ name: 7 }), '$.resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected a string, got the number 7'],
    [metricsJson({ name: 'h', histogram: { dataPoints: { count: 1 } } }), '$.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints: expected an array, got an object'],
    [
      metricsJson({ name: 'h', histogram: { dataPoints: [{ bucketCounts: [1, 2.5] }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: expected an integer (fixed64; a JSON number or a decimal string), got the number 2.5',
    ],
    [
      metricsJson({ name: 'g', gauge: { dataPoints: [{ asDouble: 1, asInt: '1' }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asInt: asDouble is already set; only one of asDouble, asInt may be given',
    ],
    [
      metricsJson({ name: 'g', gauge: { dataPoints: [{ exemplars: [{ traceId: 'xyz' }] }] } }),
      '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].traceId: expected a hex string (two digits per byte), got the string "xyz"',
    ],
    [
      { resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { intValue: 1.5 } }] } }] },
      '$.resourceMetrics[0].resource.attributes[0].value.intValue: expected an integer (int64; a JSON number or a decimal string), got the number 1.5',
    ],
  ])('names the JSON path of %j', (json, message) => {
    const error = jsonFailure(json);
    expect(error).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(error.message).toBe(`json: ${message}`);
  });

  it('ignores unknown fields, accepts proto field names, numbers for 64-bit integers and null as the default', () => {
    const json = {
      resource_metrics: [
        {
          futureField: { anything: [1, 2] },
          scopeMetrics: [{ metrics: [{ name: 'g', unit: null, gauge: { dataPoints: [{ time_unix_nano: 1_000_000, asInt: 42, flags: null }] } }] }],
        },
      ],
    };
    const result = decodeOtlpMetrics(new TextEncoder().encode(JSON.stringify(json)), { contentType: 'application/json' }, OPTIONS);
    expect(result.batch.series).toEqual([{ name: 'g', labels: {}, temporality: 'gauge', timestampsMs: [1], values: [42] }]);
  });

  it('refuses nesting deeper than 100 messages', () => {
    let value: object = { stringValue: 'leaf' };
    for (let i = 0; i < 60; i++) value = { arrayValue: { values: [value] } };
    const error = jsonFailure({ resourceMetrics: [{ resource: { attributes: [{ key: 'deep', value }] } }] });
    expect(error.message).toMatch(/: messages nest deeper than 100 levels$/);
  });

  it('answers 400 for a body that is not UTF-8', () => {
    const error = failure(Uint8Array.from([0x7b, 0xff, 0x7d]), { contentType: 'application/json' });
    expect(error.message).toBe('json: $: the body is not valid UTF-8');
  });
});
