import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { encodeOtlpErrorStatus, encodeOtlpResponse } from './encode-otlp-response.js';
import { rpcStatusType } from './otlp-schema.js';

const REJECTED = { rejectedDataPoints: 3, errorMessage: 'rejected 3 of 10 data points; summary_unsupported: 3' };

function text(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}

describe('encodeOtlpResponse', () => {
  it('answers a full success with an empty response in either encoding', () => {
    const protobuf = encodeOtlpResponse({ rejectedDataPoints: 0 }, 'application/x-protobuf');
    expect(protobuf.contentType).toBe('application/x-protobuf');
    expect(protobuf.body).toHaveLength(0);
    const json = encodeOtlpResponse({ rejectedDataPoints: 0 }, 'application/json; charset=utf-8');
    expect(json.contentType).toBe('application/json');
    expect(text(json.body)).toBe('{}');
  });

  it('sets partial_success in protobuf, as the OpenTelemetry exporter reads it', () => {
    const { contentType, body } = encodeOtlpResponse(REJECTED, 'application/x-protobuf');
    expect(contentType).toBe('application/x-protobuf');
    expect(ProtobufMetricsSerializer.deserializeResponse(body)).toEqual({ partialSuccess: REJECTED });
  });

  it('sets partialSuccess in JSON with the 64-bit count as a decimal string', () => {
    const { body } = encodeOtlpResponse(REJECTED, 'application/json');
    expect(JSON.parse(text(body))).toEqual({ partialSuccess: { rejectedDataPoints: '3', errorMessage: REJECTED.errorMessage } });
  });

  it('sends a warning-only partial success when nothing was rejected but a message is given', () => {
    const { body } = encodeOtlpResponse({ rejectedDataPoints: 0, errorMessage: 'heads up' }, 'application/json');
    expect(JSON.parse(text(body))).toEqual({ partialSuccess: { rejectedDataPoints: '0', errorMessage: 'heads up' } });
  });

  it('refuses a Content-Type that is not OTLP', () => {
    expect(() => encodeOtlpResponse(REJECTED, 'text/plain')).toThrow(IngestError);
  });
});

describe('encodeOtlpErrorStatus', () => {
  const error = new IngestError(400, 'invalid_json', 'json: $.resourceMetrics: expected an array, got the string "x"');

  it('encodes a google.rpc.Status in protobuf', () => {
    const { contentType, body } = encodeOtlpErrorStatus(error, 'application/x-protobuf');
    expect(contentType).toBe('application/x-protobuf');
    expect(rpcStatusType.toObject(rpcStatusType.decode(body))).toEqual({ code: 3, message: error.message });
  });

  it('encodes the Status and the API error envelope in one JSON body, also for a rejected Content-Type', () => {
    const unsupported = new IngestError(415, 'unsupported_media_type', 'Content-Type "text/plain": …');
    for (const [failure, contentType, code] of [
      [error, 'application/json', 3],
      [unsupported, 'text/plain', 3],
      [new IngestError(413, 'payload_too_large', 'too big'), undefined, 8],
      [new IngestError(503, 'overloaded', 'busy'), 'application/json', 14],
    ] as const) {
      const encoded = encodeOtlpErrorStatus(failure, contentType);
      expect(encoded.contentType).toBe('application/json');
      expect(JSON.parse(text(encoded.body))).toEqual({ code, message: failure.message, error: { code: failure.code, message: failure.message } });
    }
  });
});
