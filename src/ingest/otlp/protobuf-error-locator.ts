/**
 * Finds where a protobuf body that protobufjs could not decode goes wrong: walks the wire format with
 * the message schema, checking what a decoder relies on (tags, varints, lengths within their enclosing
 * message, UTF-8 strings, group nesting, packed element sizes), and reports the first problem with the
 * field path and the byte offset. Only called after a failed decode, so the happy path pays nothing.
 */
import protobuf from 'protobufjs/light.js';
import type { OtlpMessageType } from './otlp-schema.js';

/** Where and why a protobuf body is malformed. */
export interface ProtobufProblem {
  /** `ExportMetricsServiceRequest.resourceMetrics[0].scopeMetrics[0].metrics[2].name`; unknown fields as `#17`. */
  readonly path: string;
  readonly reason: string;
  readonly byteOffset: number;
}

class WireProblem extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly byteOffset: number,
  ) {
    super(reason);
  }
}

const MAX_DEPTH = 100;
const FIXED64_TYPES: ReadonlySet<string> = new Set(['double', 'fixed64', 'sfixed64']);
const FIXED32_TYPES: ReadonlySet<string> = new Set(['float', 'fixed32', 'sfixed32']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Returns the first structural problem of `body` read as `type`, or undefined when the wire format is sound. */
export function locateProtobufProblem(body: Uint8Array, type: OtlpMessageType): ProtobufProblem | undefined {
  try {
    scanMessage(new Scan(body), type, body.length, type.name, 0);
    return undefined;
  } catch (error) {
    if (error instanceof WireProblem) return { path: error.path, reason: error.reason, byteOffset: error.byteOffset };
    throw error;
  }
}

class Scan {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  /** Reads a varint ending before `end` (at most 10 bytes); returns it as a number (exact below 2^53). */
  varint(end: number, path: string): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new WireProblem(path, 'truncated varint: the message ends inside it', start);
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) return value;
    }
    throw new WireProblem(path, 'varint longer than 10 bytes', start);
  }

  /** Skips `length` bytes that must lie before `end`. */
  skip(length: number, end: number, path: string, what: string): void {
    if (this.pos + length > end) {
      throw new WireProblem(path, `truncated ${what}: needs ${length} bytes, ${end - this.pos} left in the enclosing message`, this.pos);
    }
    this.pos += length;
  }
}

function scanMessage(scan: Scan, type: OtlpMessageType, end: number, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireProblem(path, `messages nest deeper than ${MAX_DEPTH} levels`, scan.pos);
  const seen = new Map<number, number>();
  while (scan.pos < end) {
    const tagAt = scan.pos;
    const tag = scan.varint(end, path);
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) throw new WireProblem(path, 'invalid tag: field number 0', tagAt);
    const field = type.fieldsById[fieldNumber];
    const index = seen.get(fieldNumber) ?? 0;
    seen.set(fieldNumber, index + 1);
    const fieldPath = `${path}.${segment(field, fieldNumber, index, wireType)}`;
    scanField(scan, field, wireType, fieldNumber, end, fieldPath, depth);
  }
}

function segment(field: protobuf.Field | undefined, fieldNumber: number, index: number, wireType: number): string {
  if (field === undefined) return `#${fieldNumber}`;
  const packed = field.repeated && wireType === 2 && !(field.resolvedType instanceof protobuf.Type) && field.type !== 'string' && field.type !== 'bytes';
  return field.repeated && !packed ? `${field.name}[${index}]` : field.name;
}

function scanField(scan: Scan, field: protobuf.Field | undefined, wireType: number, fieldNumber: number, end: number, path: string, depth: number): void {
  switch (wireType) {
    case 0:
      scan.varint(end, path);
      return;
    case 1:
      scan.skip(8, end, path, '64-bit value');
      return;
    case 5:
      scan.skip(4, end, path, '32-bit value');
      return;
    case 2:
      scanDelimited(scan, field, end, path, depth);
      return;
    case 3:
      scanGroup(scan, fieldNumber, end, path, depth + 1);
      return;
    case 4:
      throw new WireProblem(path, 'end-group tag without a matching start-group tag', scan.pos);
    default:
      throw new WireProblem(path, `invalid wire type ${wireType}`, scan.pos);
  }
}

function scanDelimited(scan: Scan, field: protobuf.Field | undefined, end: number, path: string, depth: number): void {
  const lengthAt = scan.pos;
  const length = scan.varint(end, path);
  if (scan.pos + length > end) {
    throw new WireProblem(path, `truncated: length ${length} runs past the end of the enclosing message (${end - scan.pos} bytes left)`, lengthAt);
  }
  const start = scan.pos;
  const stop = start + length;
  const resolved = field?.resolvedType;
  if (resolved instanceof protobuf.Type) {
    scanMessage(scan, resolved, stop, path, depth + 1);
  } else if (field?.type === 'string') {
    try {
      utf8.decode(scan.buf.subarray(start, stop));
    } catch {
      throw new WireProblem(path, 'string is not valid UTF-8', start);
    }
  } else if (field !== undefined && field.repeated && field.type !== 'bytes') {
    scanPacked(scan, field.type, stop, path);
  }
  scan.pos = stop;
}

function scanPacked(scan: Scan, type: string, stop: number, path: string): void {
  const size = FIXED64_TYPES.has(type) ? 8 : FIXED32_TYPES.has(type) ? 4 : 0;
  const length = stop - scan.pos;
  if (size > 0 && length % size !== 0) {
    throw new WireProblem(path, `packed ${type} values take ${length} bytes, not a multiple of ${size}`, scan.pos);
  }
  if (size === 0) while (scan.pos < stop) scan.varint(stop, path);
}

function scanGroup(scan: Scan, fieldNumber: number, end: number, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireProblem(path, `groups nest deeper than ${MAX_DEPTH} levels`, scan.pos);
  const startAt = scan.pos;
  while (scan.pos < end) {
    const tagAt = scan.pos;
    const tag = scan.varint(end, path);
    const nested = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (nested === 0) throw new WireProblem(path, 'invalid tag: field number 0', tagAt);
    if (wireType === 4) {
      if (nested !== fieldNumber) throw new WireProblem(path, `end-group tag of field ${nested} closes the group of field ${fieldNumber}`, tagAt);
      return;
    }
    scanField(scan, undefined, wireType, nested, end, path, depth);
  }
  throw new WireProblem(path, 'group without an end-group tag', startAt);
}
