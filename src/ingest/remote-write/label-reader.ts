/**
 * Reads one remote-write `Label { string name = 1; string value = 2; }` into a reusable span: the
 * name's byte range (for the byte-wise order check) and both strings, decoded through the shared
 * {@link StringInternTable}.
 */
import {
  WIRE_LENGTH_DELIMITED,
  WireError,
  expectWireType,
  readLengthEnd,
  readTag,
  skipField,
  wireErrorWithin,
} from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { StringInternTable } from './string-intern-table.js';

/** The label just read; reused from label to label. */
export interface LabelSpan {
  nameStart: number;
  nameEnd: number;
  name: string;
  value: string;
}

/** Label strings repeat across series and requests; one process-wide table (bounded: 16,384 slots). */
const strings = new StringInternTable();

/**
 * Reads the length-delimited `Label` at the reader's position into `span`. Returns a description of
 * a broken label rule (empty name, invalid UTF-8), or undefined when the label is valid; throws a
 * {@link WireError} when the message itself is malformed.
 */
export function readLabel(reader: WireReader, span: LabelSpan, labelIndex: number): string | undefined {
  const end = readLengthEnd(reader);
  span.nameStart = 0;
  span.nameEnd = 0;
  span.name = '';
  span.value = '';
  let invalidUtf8: string | undefined;
  try {
    while (reader.pos < end) {
      const tagOffset = reader.pos;
      const tag = readTag(reader);
      const field = tag >>> 3;
      if (field === 1 || field === 2) {
        expectWireType(tag, WIRE_LENGTH_DELIMITED, field === 1 ? 'name' : 'value', tagOffset);
        const stringEnd = readLengthEnd(reader);
        if (stringEnd > end) throw new WireError('truncated: the string runs past the end of the label', tagOffset);
        const start = reader.pos;
        reader.pos = stringEnd;
        const decoded = strings.decode(reader.buf, start, stringEnd);
        if (decoded === undefined) invalidUtf8 = field === 1 ? 'name' : 'value';
        else if (field === 2) span.value = decoded;
        else {
          span.name = decoded;
          span.nameStart = start;
          span.nameEnd = stringEnd;
        }
      } else skipField(reader, tag, tagOffset);
    }
    if (reader.pos !== end) throw new WireError('truncated: the last field runs past the end of the label', end);
  } catch (error) {
    throw wireErrorWithin(error, `labels[${labelIndex}]`, reader.pos);
  }
  if (invalidUtf8 !== undefined) return `label ${invalidUtf8} is not valid UTF-8`;
  if (span.name === '') return 'empty label name';
  if (span.name === '__proto__') return 'label name "__proto__" is not accepted';
  return undefined;
}

/** Reads a length-delimited string field; undefined when it is not valid UTF-8. */
export function readString(reader: WireReader): string | undefined {
  const end = readLengthEnd(reader);
  const start = reader.pos;
  reader.pos = end;
  return strings.decode(reader.buf, start, end);
}
