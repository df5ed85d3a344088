/**
 * OTLP/HTTP answers in the request's encoding. Success and partial success carry an
 * `ExportMetricsServiceResponse`, whose `partial_success` is set exactly when points were rejected
 * (`rejected_data_points` plus the reasons in `error_message`), as the OTLP specification requires.
 * Failures (4xx/5xx) carry a `google.rpc.Status`; its JSON form also holds shiftguard's
 * `{"error":{"code","message"}}` envelope (OTLP/JSON readers ignore unknown fields), so one body serves
 * both the OTLP exporter and the API's error contract.
 */
import type { IngestError } from '../ingest-error.js';
import { OTLP_MEDIA_TYPES, otlpEncodingOf, type OtlpEncoding } from './otlp-body.js';
import { exportMetricsResponseType, rpcStatusType } from './otlp-schema.js';

/** What the answer reports: the decoder's result satisfies this. */
export interface OtlpExportOutcome {
  readonly rejectedDataPoints: number;
  readonly errorMessage?: string;
}

/** An encoded answer: the Content-Type to send and the body. */
export interface OtlpResponseBody {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** gRPC status codes for the HTTP statuses an ingest error has (OTLP leaves `Status.code` optional). */
const GRPC_CODES: Readonly<Record<number, number>> = { 400: 3, 413: 8, 415: 3, 503: 14 };

/**
 * The `ExportMetricsServiceResponse` for `outcome`, in the encoding of `requestContentType` (the
 * request's Content-Type header; throws an `IngestError` 415 when it is not an OTLP type).
 * `partial_success` is present when `rejectedDataPoints > 0` or an `errorMessage` is given.
 */
export function encodeOtlpResponse(outcome: OtlpExportOutcome, requestContentType: string | undefined): OtlpResponseBody {
  const encoding = otlpEncodingOf(requestContentType);
  const partial = outcome.rejectedDataPoints > 0 || (outcome.errorMessage ?? '') !== '';
  const errorMessage = outcome.errorMessage ?? '';
  if (encoding === 'json') {
    const json = partial ? { partialSuccess: { rejectedDataPoints: String(outcome.rejectedDataPoints), errorMessage } } : {};
    return jsonBody(json);
  }
  const message = exportMetricsResponseType.fromObject(
    partial ? { partialSuccess: { rejectedDataPoints: outcome.rejectedDataPoints, errorMessage } } : {},
  );
  return { contentType: OTLP_MEDIA_TYPES.protobuf, body: exportMetricsResponseType.encode(message).finish() };
}

/**
 * The `google.rpc.Status` body for a failed request, in the encoding of `requestContentType` when it
 * is an OTLP type, else JSON (e.g. for the 415 that rejected the Content-Type itself).
 */
export function encodeOtlpErrorStatus(error: IngestError, requestContentType: string | undefined): OtlpResponseBody {
  const code = GRPC_CODES[error.status] ?? 2;
  if (encodingOrJson(requestContentType) === 'json') {
    return jsonBody({ code, message: error.message, error: { code: error.code, message: error.message } });
  }
  const message = rpcStatusType.fromObject({ code, message: error.message });
  return { contentType: OTLP_MEDIA_TYPES.protobuf, body: rpcStatusType.encode(message).finish() };
}

function encodingOrJson(contentType: string | undefined): OtlpEncoding {
  try {
    return otlpEncodingOf(contentType);
  } catch {
    return 'json';
  }
}

function jsonBody(value: unknown): OtlpResponseBody {
  return { contentType: OTLP_MEDIA_TYPES.json, body: new TextEncoder().encode(JSON.stringify(value)) };
}
