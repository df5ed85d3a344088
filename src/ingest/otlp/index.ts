/** OTLP/HTTP metrics ingest: decoding of `POST /v1/metrics` bodies and the answers to send back. */
export { decodeOtlpMetrics, type OtlpDecodeOptions, type OtlpRequestHeaders } from './decode-otlp-metrics.js';
export { encodeOtlpErrorStatus, encodeOtlpResponse, type OtlpExportOutcome, type OtlpResponseBody } from './encode-otlp-response.js';
export { DEFAULT_EXPONENTIAL_SCALE } from './exponential-buckets.js';
export { REJECTION_REASONS, type OtlpDecodeResult, type RejectionReason } from './ingest-batch-builder.js';
export { otlpEncodingOf, OTLP_MEDIA_TYPES, type OtlpEncoding } from './otlp-body.js';
export type { OtlpLabelNames } from './otlp-attributes.js';
