/**
 * The JavaScript snappy block decoder against the native one (the `snappy` package): the same
 * output for every block the native decoder accepts, and a refusal (so the caller asks the native
 * decoder for its error) for every block it refuses; on blocks the native encoder writes, on blocks
 * built by hand with every element kind, and on corrupted blocks.
 */
import fc from 'fast-check';
import { compressSync, uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { decodeSnappyElements } from './snappy-decode.js';
import { uncompressSnappyBlock, uncompressSnappyBlockReusing } from './snappy-block.js';

const SEED = 20260413;

/** The native decoder's output, or null when it refuses the block. */
function native(block: Uint8Array): Buffer | null {
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch {
    return null;
  }
}

/** This decoder's output, or null when it refuses the block. */
function javascript(block: Uint8Array): Buffer | null {
  let length = 0;
  let header = 0;
  for (let shift = 0; header < 5; shift += 7) {
    const byte = block[header++];
    if (byte === undefined) return null;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (length > 1 << 20) return null;
  const out = Buffer.alloc(length);
  return decodeSnappyElements(block, header, out, length) ? out : null;
}

function varint(n: number): number[] {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return [...bytes, n];
}

const literal = (data: number[]): number[] => {
  const n = data.length - 1;
  if (n < 60) return [n << 2, ...data];
  const extra = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
  return [(59 + extra) << 2, ...Array.from({ length: extra }, (_, i) => (n >>> (8 * i)) & 0xff), ...data];
};
const copy1 = (length: number, offset: number): number[] => [1 | ((length - 4) << 2) | ((offset >> 8) << 5), offset & 0xff];
const copy2 = (length: number, offset: number): number[] => [2 | ((length - 1) << 2), offset & 0xff, offset >> 8];
const copy4 = (length: number, offset: number): number[] => [3 | ((length - 1) << 2), offset & 0xff, (offset >> 8) & 0xff, (offset >> 16) & 0xff, offset >>> 24];
const block = (declared: number, ...elements: number[][]): Uint8Array => Uint8Array.from([...varint(declared), ...elements.flat()]);

describe('decodeSnappyElements', () => {
  it('decodes what the native encoder writes, from repetitive and random data', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.constantFrom('job="api"', 'instance="10.0.0.1:9100"', '__name__', 'le="0.25"', 'x', '\u00e9'), { maxLength: 400 }).map((parts) => Buffer.from(parts.join(''))),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 70_000 })).map(([byte, n]) => Buffer.alloc(n, byte)),
    );
    fc.assert(
      fc.property(data, (bytes) => {
        expect(javascript(compressSync(Buffer.from(bytes)))).toEqual(Buffer.from(bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('agrees with the native decoder on hand-built blocks of every element kind, valid or not', () => {
    const abc = [0x61, 0x62, 0x63, 0x64];
    const long = Array.from({ length: 300 }, (_, i) => i & 0xff);
    const cases: Uint8Array[] = [
      block(4, literal(abc)),
      block(300, literal(long)),
      block(70_000, literal(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff))),
      block(12, literal(abc), copy1(8, 4)),
      block(13, literal([0x7a]), copy1(12, 1)), // overlapping: a run of one byte
      block(68, literal(abc), copy2(64, 4)),
      block(68, literal(abc), copy4(64, 4)),
      block(304, literal(long), copy2(4, 300)),
      block(8, literal(abc), copy1(4, 0)), // offset 0
      block(8, literal(abc), copy1(4, 5)), // before the output's start
      block(7, literal(abc), copy1(4, 4)), // past the declared length
      block(9, literal(abc), copy1(4, 4)), // short of it
      block(4, literal(abc), [0x00]), // trailing element after the output is full
      block(4, [0x0c, 0x61]), // literal past the input
      block(4, [0xf0]), // literal length bytes missing
      block(8, literal(abc), [0x01]), // copy offset byte missing
      block(8, literal(abc), [0x02, 0x04]), // 2-byte offset cut
      block(8, literal(abc), [0x03, 0x04, 0x00, 0x00]), // 4-byte offset cut
      block(0),
      block(1),
    ];
    for (const [i, candidate] of cases.entries()) expect(javascript(candidate), `case ${i}`).toEqual(native(candidate));
  });

  it('accepts a corrupted block only when the native decoder does, with the same output', () => {
    const valid = fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => compressSync(Buffer.concat([Buffer.from(bytes), Buffer.from(bytes)])));
    fc.assert(
      fc.property(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (compressed, at, byte, cut) => {
        const corrupted = Uint8Array.from(compressed);
        corrupted[at % corrupted.length] = byte;
        const candidate = cut ? corrupted.subarray(0, at % corrupted.length) : corrupted;
        const ours = javascript(candidate);
        if (ours !== null) expect(ours).toEqual(native(candidate));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('uncompressSnappyBlockReusing', () => {
  it('returns what uncompressSnappyBlock returns, and its errors for blocks it refuses', () => {
    const texts = ['remote-write '.repeat(40), 'x', 'abc'.repeat(5000)].map((t) => Buffer.from(t));
    for (const text of texts) expect(Buffer.from(uncompressSnappyBlockReusing(compressSync(text), 1 << 20))).toEqual(text);
    const failures = [block(8, literal([1, 2, 3, 4]), copy1(4, 5)), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00), compressSync(texts[0] as Buffer).subarray(0, 20)];
    for (const candidate of failures) {
      const errors = [uncompressSnappyBlock, uncompressSnappyBlockReusing].map((decode) => {
        try {
          decode(candidate, 1 << 20);
        } catch (error) {
          if (error instanceof IngestError) return [error.status, error.code, error.message];
          throw error;
        }
        throw new Error('expected an IngestError');
      });
      expect(errors[1]).toEqual(errors[0]);
    }
  });
});
