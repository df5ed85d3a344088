/**
 * OTLP/JSON reader: parses the body and checks every known field against the message schema, giving
 * the plain request shape of `otlp-wire-types.ts`. A value of the wrong type is a 400 naming its JSON
 * path (`json: $.resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints[0].asDouble: expected a
 * number …`). Unknown field names are ignored as the OTLP specification requires; the proto field
 * names (`resource_metrics`) are accepted besides the lowerCamelCase JSON names, as protobuf JSON
 * parsers do; `null` means the field's default.
 */
import protobuf from 'protobufjs/light.js';
import { IngestError } from '../ingest-error.js';
import {
  describeJson,
  JsonTypeError,
  readJsonBool,
  readJsonBytes,
  readJsonDouble,
  readJsonEnum,
  readJsonInt32,
  readJsonInt64,
  readJsonString,
} from './otlp-json-scalars.js';
import { exportMetricsRequestType, INT32_TYPES, INT64_TYPES, type OtlpMessageType } from './otlp-schema.js';
import type { OtlpExportRequest } from './otlp-wire-types.js';

/** Deepest message nesting accepted (AnyValue arrays and lists nest); protobufjs allows 100. */
const MAX_DEPTH = 100;
/** Bytes fields OTLP/JSON writes as hex rather than base64. */
const HEX_FIELDS: ReadonlySet<string> = new Set(['traceId', 'spanId']);

type PlainMessage = Record<string, unknown>;

/**
 * Reads an OTLP/JSON `ExportMetricsServiceRequest` from UTF-8 bytes. Throws an {@link IngestError}
 * 400 `invalid_json` for bad UTF-8, bad JSON syntax, or a value of the wrong type (with its JSON path).
 */
export function readOtlpJson(body: Uint8Array): OtlpExportRequest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw invalidJson('$', 'the body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidJson('$', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return readMessage(exportMetricsRequestType, parsed, '$', 0) as OtlpExportRequest;
}

function invalidJson(path: string, message: string): IngestError {
  return new IngestError(400, 'invalid_json', `json: ${path}: ${message}`);
}

const fieldIndexes = new WeakMap<OtlpMessageType, Map<string, protobuf.Field>>();

/** Fields of `type` by JSON name and by proto name. */
function fieldIndex(type: OtlpMessageType): Map<string, protobuf.Field> {
  let index = fieldIndexes.get(type);
  if (index === undefined) {
    index = new Map();
    for (const field of type.fieldsArray) {
      index.set(field.name, field);
      if (field.protoName !== undefined && field.protoName !== '') index.set(field.protoName, field);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

function readMessage(type: OtlpMessageType, value: unknown, path: string, depth: number): PlainMessage {
  if (depth > MAX_DEPTH) throw invalidJson(path, `messages nest deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidJson(path, `expected an object (${type.name} message), got ${describeJson(value)}`);
  }
  const index = fieldIndex(type);
  const out: PlainMessage = {};
  const oneofMembers = new Map<string, string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = index.get(key);
    if (field === undefined || raw === null) continue;
    const fieldPath = `${path}.${key}`;
    checkOneof(field, oneofMembers, fieldPath);
    out[field.name] = field.repeated ? readRepeated(field, raw, fieldPath, depth) : readValue(field, raw, fieldPath, depth);
  }
  return out;
}

function checkOneof(field: protobuf.Field, members: Map<string, string>, path: string): void {
  const oneof = field.partOf;
  if (oneof === null) return;
  const previous = members.get(oneof.name);
  if (previous !== undefined && previous !== field.name) {
    throw invalidJson(path, `${previous} is already set; only one of ${oneof.oneof.join(', ')} may be given`);
  }
  members.set(oneof.name, field.name);
}

function readRepeated(field: protobuf.Field, raw: unknown, path: string, depth: number): unknown[] {
  if (!Array.isArray(raw)) throw invalidJson(path, `expected an array, got ${describeJson(raw)}`);
  return raw.map((element: unknown, i) => {
    if (element === null) throw invalidJson(`${path}[${i}]`, 'null is not allowed in an array');
    return readValue(field, element, `${path}[${i}]`, depth);
  });
}

function readValue(field: protobuf.Field, raw: unknown, path: string, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return readMessage(resolved, raw, path, depth + 1);
  try {
    if (resolved instanceof protobuf.Enum) return readJsonEnum(raw, resolved.name, resolved.values);
    return readScalar(field, raw);
  } catch (error) {
    if (error instanceof JsonTypeError) throw invalidJson(path, error.message);
    throw error;
  }
}

function readScalar(field: protobuf.Field, raw: unknown): unknown {
  const type = field.type;
  if (type === 'double' || type === 'float') return readJsonDouble(raw);
  if (INT64_TYPES.has(type)) return readJsonInt64(raw, type);
  if (INT32_TYPES.has(type)) return readJsonInt32(raw, type);
  if (type === 'bool') return readJsonBool(raw);
  if (type === 'string') return readJsonString(raw);
  if (type === 'bytes') return readJsonBytes(raw, HEX_FIELDS.has(field.name));
  throw new JsonTypeError(`field type ${type} is not supported`);
}
