/**
 * The few protobuf wire-format helpers the hand-written remote-write decoder needs on top of
 * protobufjs' `Reader`: int64 varints read as plain numbers (no `Long`), length-delimited sub-messages,
 * skipping unknown fields, and errors that carry the byte offset and the message path where they
 * happened (`WriteRequest.timeseries[3].labels[1]`), filled in as the error unwinds.
 */
import protobuf from 'protobufjs/minimal.js';

/** protobufjs' wire reader (`buf`, `pos`, `len` plus the scalar readers). */
export type WireReader = protobuf.Reader;

/** Wire types of the protobuf encoding. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const MAX_GROUP_DEPTH = 32;

/** Creates a protobufjs reader over `bytes` (no copy). */
export function createWireReader(bytes: Uint8Array): WireReader {
  return protobuf.Reader.create(bytes);
}

/** A malformed protobuf body: what is wrong, at which byte, inside which message (outermost first). */
export class WireError extends Error {
  readonly reason: string;
  readonly byteOffset: number;
  /** Path segments, outermost first, e.g. `['WriteRequest', 'timeseries[3]', 'labels[1]']`. */
  readonly path: string[] = [];

  constructor(reason: string, byteOffset: number) {
    super(`${reason} at byte ${byteOffset}`);
    this.name = 'WireError';
    this.reason = reason;
    this.byteOffset = byteOffset;
  }

  /** `WriteRequest.timeseries[3].labels[1]: invalid wire type 7 at byte 1234`. */
  describe(): string {
    return `${this.path.join('.')}: ${this.reason} at byte ${this.byteOffset}`;
  }
}

/**
 * Converts whatever a read threw into a {@link WireError} (protobufjs' reader throws plain errors such
 * as `index out of range`, taken to be at `byteOffset`) and adds `segment` in front of its path.
 */
export function wireErrorWithin(error: unknown, segment: string, byteOffset: number): unknown {
  if (!(error instanceof Error)) return error;
  const wire = error instanceof WireError ? error : fromReaderError(error, byteOffset);
  if (wire === undefined) return error;
  wire.path.unshift(segment);
  return wire;
}

/** protobufjs' reader throws plain `Error` and `RangeError`; other error classes are the decoder's own. */
function fromReaderError(error: Error, byteOffset: number): WireError | undefined {
  if (error.constructor !== Error && error.constructor !== RangeError) return undefined;
  if (error instanceof RangeError || /index out of range/.test(error.message)) {
    return new WireError('truncated: a field runs past the end of its message', byteOffset);
  }
  if (/invalid (varint|tag|length) encoding/.test(error.message)) return new WireError(error.message, byteOffset);
  return undefined;
}

/** Reads a length prefix and returns the end offset of the sub-message or string it announces. */
export function readLengthEnd(reader: WireReader): number {
  const at = reader.pos;
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) {
    throw new WireError(`truncated: length ${length} runs past the end of the enclosing message (${reader.len - reader.pos} bytes left)`, at);
  }
  return end;
}

/** Reads an int64 varint as a number (exact up to 2^53; negative values are ten-byte two's complement). */
export function readInt64(reader: WireReader): number {
  const buf = reader.buf;
  let pos = reader.pos;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= reader.len) throw new WireError('truncated varint', reader.pos);
    const byte = buf[pos++] as number;
    if (i < 4) lo |= (byte & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (byte & 0x0f) << 28;
      hi = (byte & 0x7f) >> 4;
    } else hi |= (byte & 0x7f) << (7 * i - 32);
    if (byte < 0x80) {
      reader.pos = pos;
      return (hi | 0) * 4294967296 + (lo >>> 0);
    }
  }
  throw new WireError('invalid varint: longer than 10 bytes', reader.pos);
}

/** Throws unless a field arrived with the wire type its declaration implies. */
export function expectWireType(tag: number, expected: number, field: string, tagOffset: number): void {
  const wireType = tag & 7;
  if (wireType === expected) return;
  if (wireType > WIRE_FIXED32) throw new WireError(`invalid wire type ${wireType} for field ${tag >>> 3} (${field})`, tagOffset);
  throw new WireError(`field ${tag >>> 3} (${field}) has wire type ${wireType}, expected ${expected}`, tagOffset);
}

/** Skips one field of an unknown or ignored number (groups included); throws on wire types 4, 6 and 7. */
export function skipField(reader: WireReader, tag: number, tagOffset: number, depth = 0): void {
  switch (tag & 7) {
    case WIRE_VARINT:
      reader.skip();
      return;
    case WIRE_FIXED64:
      reader.skip(8);
      return;
    case WIRE_LENGTH_DELIMITED:
      reader.pos = readLengthEnd(reader);
      return;
    case WIRE_FIXED32:
      reader.skip(4);
      return;
    case WIRE_START_GROUP:
      skipGroup(reader, tag >>> 3, depth);
      return;
    default:
      throw new WireError(`invalid wire type ${tag & 7} for field ${tag >>> 3}`, tagOffset);
  }
}

function skipGroup(reader: WireReader, fieldNumber: number, depth: number): void {
  if (depth >= MAX_GROUP_DEPTH) throw new WireError(`groups nested deeper than ${MAX_GROUP_DEPTH}`, reader.pos);
  for (;;) {
    const tagOffset = reader.pos;
    const tag = readTag(reader);
    if ((tag & 7) === WIRE_END_GROUP) {
      if (tag >>> 3 !== fieldNumber) throw new WireError(`end of group ${tag >>> 3} closes group ${fieldNumber}`, tagOffset);
      return;
    }
    skipField(reader, tag, tagOffset, depth + 1);
  }
}

/** Reads a field tag; field number 0 is invalid. */
export function readTag(reader: WireReader): number {
  const at = reader.pos;
  const tag = reader.uint32();
  if (tag >>> 3 === 0) throw new WireError(`invalid tag ${tag} (field number 0)`, at);
  return tag;
}
