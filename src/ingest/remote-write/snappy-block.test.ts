import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { readSnappyDecodedLength, uncompressSnappyBlock } from './snappy-block.js';

function failure(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

const text = Buffer.from('remote-write remote-write remote-write remote-write');
const block = compressSync(text);

describe('readSnappyDecodedLength', () => {
  it('reads the little-endian varint header', () => {
    expect(readSnappyDecodedLength(block)).toBe(text.length);
    expect(readSnappyDecodedLength(Uint8Array.of(0x80, 0x01))).toBe(128);
    expect(readSnappyDecodedLength(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toBe(0xffff_ffff);
  });

  it('rejects an empty body, a truncated header, a header over 2^32 − 1 and the framed format with 400', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'snappy: empty body (expected a snappy block starting with the decoded length)'],
      [Uint8Array.of(0x80, 0x80), 'snappy: truncated decoded-length header (2 bytes, all with the continuation bit set)'],
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f), 'snappy: decoded-length header declares 8589934591 bytes, more than the format\'s maximum of 4294967295'],
      [Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 'snappy: decoded-length header is longer than 5 bytes'],
      [Uint8Array.of(0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59), 'snappy: body is in the snappy framed (stream) format; remote-write uses the snappy block format'],
    ];
    for (const [bytes, message] of cases) {
      const error = failure(() => readSnappyDecodedLength(bytes));
      expect([error.status, error.code, error.message]).toEqual([400, 'invalid_snappy', message]);
    }
  });
});

describe('uncompressSnappyBlock', () => {
  it('decompresses a block within the limit, including one exactly at the limit', () => {
    expect(Buffer.from(uncompressSnappyBlock(block, 1000)).equals(text)).toBe(true);
    expect(uncompressSnappyBlock(block, text.length)).toHaveLength(text.length);
  });

  it('answers 413 from the header alone when a block declares 4 GiB (no decompression attempted)', () => {
    // Header 0xffffffff followed by garbage: decompressing it would fail with 400, so 413 proves the order.
    const bomb = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x01, 0x02);
    const error = failure(() => uncompressSnappyBlock(bomb, 10 << 20));
    expect([error.status, error.code]).toEqual([413, 'payload_too_large']);
    expect(error.message).toBe('snappy: the block declares 4294967295 decoded bytes, over the limit of 10485760 bytes');
    expect(failure(() => uncompressSnappyBlock(block, text.length - 1)).status).toBe(413);
  });

  it('answers 400 for a truncated block', () => {
    const error = failure(() => uncompressSnappyBlock(block.subarray(0, block.length - 3), 1000));
    expect([error.status, error.code]).toEqual([400, 'invalid_snappy']);
    expect(error.message).toMatch(/^snappy: corrupt block \(\d+ bytes, declaring 51 decoded bytes\): /);
  });

  it('answers 400 for a corrupt block (a copy reaching before the start of the output)', () => {
    // Header 4, then a 1-byte-offset copy (tag 0b01) of length 4 at offset 1000: before any output.
    const corrupt = Uint8Array.of(0x04, 0x01 | (0 << 2) | (3 << 5), 0xe8);
    const error = failure(() => uncompressSnappyBlock(corrupt, 1000));
    expect([error.status, error.code]).toEqual([400, 'invalid_snappy']);
    expect(error.message).toMatch(/^snappy: corrupt block \(3 bytes, declaring 4 decoded bytes\): /);
  });
});
