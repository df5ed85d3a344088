/**
 * Test support: encodes an OTLP/JSON-shaped request object (lowerCamelCase names, 64-bit integers as
 * decimal strings, enums as integers, no bytes fields) as a request body of either encoding, so one
 * literal drives both the protobuf and the JSON path. Used by the tests of this folder only.
 */
import type { OtlpEncoding } from './otlp-body.js';
import { exportMetricsRequestType } from './otlp-schema.js';

/** The body of `request` as `encoding` would carry it. */
export function encodeOtlpTestRequest(request: object, encoding: OtlpEncoding): Uint8Array {
  if (encoding === 'json') return new TextEncoder().encode(JSON.stringify(request));
  return exportMetricsRequestType.encode(exportMetricsRequestType.fromObject(request)).finish();
}

/** Unix milliseconds as the decimal nanosecond string OTLP carries. */
export function nanosOf(timestampMs: number): string {
  return `${timestampMs}000000`;
}

/** A string attribute. */
export function stringAttribute(key: string, value: string): { key: string; value: { stringValue: string } } {
  return { key, value: { stringValue: value } };
}
