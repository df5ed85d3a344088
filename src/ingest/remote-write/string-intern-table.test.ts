import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringInternTable } from './string-intern-table.js';

describe('StringInternTable', () => {
  it('decodes every string exactly as UTF-8, whatever collides in a tiny table', () => {
    const table = new StringInternTable(2);
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 30 }), (strings) => {
        const bytes = Buffer.from(strings.join(''));
        let offset = 0;
        for (const s of strings) {
          const length = Buffer.byteLength(s);
          expect(table.decode(bytes, offset, offset + length)).toBe(s);
          expect(table.decode(new Uint8Array(bytes), offset, offset + length)).toBe(s);
          offset += length;
        }
      }),
    );
  });

  it('returns the same string object for repeated bytes, not a view of the caller buffer', () => {
    const table = new StringInternTable();
    const first = Buffer.from('instance');
    const decoded = table.decode(first, 0, first.length);
    first.fill(0x41);
    expect(table.decode(Buffer.from('instance'), 0, 8)).toBe(decoded);
    expect(table.decode(first, 0, 8)).toBe('AAAAAAAA');
  });

  it('returns undefined for invalid UTF-8 (short and long strings)', () => {
    const table = new StringInternTable();
    expect(table.decode(Uint8Array.of(0x61, 0xc3), 0, 2)).toBeUndefined();
    const long = Buffer.concat([Buffer.alloc(100, 0x61), Buffer.of(0xed, 0xa0, 0x80)]);
    expect(table.decode(long, 0, long.length)).toBeUndefined();
    expect(table.decode(Buffer.from('\uFFFD'), 0, 3)).toBe('\uFFFD');
  });

  it('refuses a slot count that is not a power of two', () => {
    expect(() => new StringInternTable(100)).toThrow('slotCount must be a power of two, got 100');
  });
});
