import protobuf from 'protobufjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError, createWireReader, readInt64, readTag, skipField } from './protobuf-wire.js';

describe('readInt64', () => {
  it('reads int64 varints written by protobufjs exactly within ±2^53', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (value) => {
        const reader = createWireReader(protobuf.Writer.create().int64(value).finish());
        expect(readInt64(reader)).toBe(value);
        expect(reader.pos).toBe(reader.len);
      }),
    );
  });

  it('reports a truncated varint at its first byte', () => {
    const reader = createWireReader(Uint8Array.of(0x80, 0x80));
    expect(() => readInt64(reader)).toThrow(new WireError('truncated varint', 0));
  });
});

describe('skipField', () => {
  it('skips varint, fixed64, length-delimited, fixed32 and nested group fields', () => {
    const bytes = protobuf.Writer.create()
      .uint32((1 << 3) | 0).uint64(2 ** 40)
      .uint32((2 << 3) | 1).fixed64(1)
      .uint32((3 << 3) | 2).bytes(Uint8Array.of(1, 2, 3))
      .uint32((4 << 3) | 5).fixed32(7)
      .uint32((5 << 3) | 3).uint32((6 << 3) | 3).uint32((1 << 3) | 0).uint32(1).uint32((6 << 3) | 4).uint32((5 << 3) | 4)
      .uint32((9 << 3) | 0).uint32(99)
      .finish();
    const reader = createWireReader(bytes);
    for (let field = 1; field <= 5; field++) {
      const tag = readTag(reader);
      expect(tag >>> 3).toBe(field);
      skipField(reader, tag, 0);
    }
    expect(readTag(reader)).toBe((9 << 3) | 0);
    expect(reader.uint32()).toBe(99);
    expect(reader.pos).toBe(bytes.length);
  });

  it('refuses wire types 4, 6 and 7 where a field starts', () => {
    for (const wireType of [4, 6, 7]) {
      expect(() => skipField(createWireReader(new Uint8Array(8)), (3 << 3) | wireType, 12)).toThrow(new WireError(`invalid wire type ${wireType} for field 3`, 12));
    }
  });
});
