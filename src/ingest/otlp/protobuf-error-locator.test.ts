import { describe, expect, it } from 'vitest';
import { exportMetricsRequestType } from './otlp-schema.js';
import { locateProtobufProblem } from './protobuf-error-locator.js';

/** The varint bytes of a tag. */
function tag(field: number, wireType: number): number[] {
  const value = field * 8 + wireType;
  return value < 128 ? [value] : [(value & 0x7f) | 0x80, value >> 7];
}

/** Wraps `inner` as field `field` (wire type 2) with a one-byte length. */
function delimited(field: number, inner: number[]): number[] {
  return [...tag(field, 2), inner.length, ...inner];
}

/** A request whose first metric's body is `metric`. */
function withMetric(metric: number[]): Uint8Array {
  return Uint8Array.from(delimited(1, delimited(2, delimited(2, metric))));
}

const METRIC = 'ExportMetricsServiceRequest.resourceMetrics[0].scopeMetrics[0].metrics[0]';

function locate(bytes: Uint8Array) {
  return locateProtobufProblem(bytes, exportMetricsRequestType);
}

describe('locateProtobufProblem', () => {
  it('finds nothing wrong in a sound body, unknown fields and groups included', () => {
    const unknownVarint = [...tag(17, 0), 0x96, 0x01];
    const group = [...tag(20, 3), ...tag(1, 0), 5, ...tag(20, 4)];
    expect(locate(withMetric([...delimited(1, [0x61]), ...unknownVarint, ...group]))).toBeUndefined();
  });

  it('reports an invalid wire type with the field path', () => {
    expect(locate(withMetric([...tag(3, 7), 0]))).toEqual({ path: `${METRIC}.unit`, reason: 'invalid wire type 7', byteOffset: 7 });
  });

  it('reports field number 0', () => {
    expect(locate(withMetric([0x00, 0x00]))).toMatchObject({ path: METRIC, reason: 'invalid tag: field number 0' });
  });

  it('names unknown fields by number', () => {
    expect(locate(withMetric([...tag(17, 1), 1, 2]))).toMatchObject({ path: `${METRIC}.#17`, reason: 'truncated 64-bit value: needs 8 bytes, 2 left in the enclosing message' });
  });

  it('reports a varint longer than 10 bytes', () => {
    expect(locate(withMetric([...tag(17, 0), ...new Array<number>(11).fill(0xff)]))).toMatchObject({ path: `${METRIC}.#17`, reason: 'varint longer than 10 bytes' });
  });

  it('reports packed fixed64 values of a length that is not a multiple of 8', () => {
    const point = delimited(6, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
    const bytes = withMetric(delimited(9, delimited(1, point)));
    expect(locate(bytes)).toMatchObject({
      path: `${METRIC}.histogram.dataPoints[0].bucketCounts`,
      reason: 'packed fixed64 values take 11 bytes, not a multiple of 8',
    });
  });

  it('reports group nesting errors', () => {
    expect(locate(withMetric([...tag(20, 3), ...tag(21, 4)]))).toMatchObject({ path: `${METRIC}.#20`, reason: 'end-group tag of field 21 closes the group of field 20' });
    expect(locate(withMetric([...tag(20, 3), ...tag(1, 0), 5]))).toMatchObject({ path: `${METRIC}.#20`, reason: 'group without an end-group tag' });
    expect(locate(withMetric([...tag(20, 4)]))).toMatchObject({ path: `${METRIC}.#20`, reason: 'end-group tag without a matching start-group tag' });
  });

  it('counts repeated message fields for the path index', () => {
    const second = delimited(1, [...tag(1, 2), 9, 0x61]);
    const bytes = Uint8Array.from(delimited(1, [...delimited(2, []), ...delimited(2, second)]));
    expect(locate(bytes)).toMatchObject({ path: 'ExportMetricsServiceRequest.resourceMetrics[0].scopeMetrics[1].scope.name' });
  });
});
