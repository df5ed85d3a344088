/**
 * The reflected OTLP message types, built once from the generated descriptor. protobufjs compiles a
 * decoder and an encoder per type on first use (the same code `pbjs -t static` would emit), so
 * reflection costs one compilation at start-up and nothing per request; see `decode-otlp-metrics.ts`.
 */
import protobuf from 'protobufjs/light.js';
import { OTLP_DESCRIPTOR } from './proto/otlp-descriptor.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);
root.resolveAll();

/** A reflected message type. */
export type OtlpMessageType = protobuf.Type;

/** `opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`, the body of `POST /v1/metrics`. */
export const exportMetricsRequestType: OtlpMessageType = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
);

/** `ExportMetricsServiceResponse`, the body of a 200 answer (with `partial_success` when points were rejected). */
export const exportMetricsResponseType: OtlpMessageType = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
);

/** `google.rpc.Status`, the body OTLP/HTTP prescribes for 4xx and 5xx answers. */
export const rpcStatusType: OtlpMessageType = root.lookupType('google.rpc.Status');

/** Field types protobufjs reads as 64-bit integers (a `Long`, or a decimal string in our plain objects). */
export const INT64_TYPES: ReadonlySet<string> = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Field types read as 32-bit integers. */
export const INT32_TYPES: ReadonlySet<string> = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
