/**
 * OTLP/HTTP binary protobuf reader: protobufjs decodes the `ExportMetricsServiceRequest` with the
 * reflected schema and `toObject` turns it into the plain request shape of `otlp-wire-types.ts`
 * (64-bit integers as numbers). A body protobufjs rejects is a 400 naming the field path
 * and byte offset found by {@link locateProtobufProblem}.
 */
import type protobuf from 'protobufjs/light.js';
import { IngestError } from '../ingest-error.js';
import { exportMetricsRequestType } from './otlp-schema.js';
import type { OtlpExportRequest } from './otlp-wire-types.js';
import { locateProtobufProblem } from './protobuf-error-locator.js';

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number };

/** Reads a binary `ExportMetricsServiceRequest`; throws an {@link IngestError} 400 `invalid_protobuf` when malformed. */
export function readOtlpProtobuf(body: Uint8Array): OtlpExportRequest {
  let message: protobuf.Message;
  try {
    message = exportMetricsRequestType.decode(body);
  } catch (error) {
    throw describeDecodeFailure(body, error);
  }
  return exportMetricsRequestType.toObject(message, TO_OBJECT) as OtlpExportRequest;
}

function describeDecodeFailure(body: Uint8Array, error: unknown): IngestError {
  const problem = locateProtobufProblem(body, exportMetricsRequestType);
  const message =
    problem === undefined
      ? `protobuf: ${exportMetricsRequestType.name}: ${error instanceof Error ? error.message : String(error)}`
      : `protobuf: ${problem.path}: ${problem.reason} at byte ${problem.byteOffset}`;
  return new IngestError(400, 'invalid_protobuf', message);
}
