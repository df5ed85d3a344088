/**
 * A snappy block decoder in JavaScript that writes into a buffer the caller reuses from request to
 * request. The native `snappy` package returns a new buffer per call (about 600 kB per remote-write
 * request of 2,000 samples); freed only when the garbage collector gets to them, those buffers
 * made the receiver's resident memory wander by tens of MB. This decoder is strict: it fails on
 * anything the format does not allow (a copy reaching before the output's start, a length past the
 * input or the output, trailing bytes, a short output), and its callers then let the native decoder
 * produce the error, so the answers and messages stay those of the native decoder.
 *
 * Format (github.com/google/snappy, format_description.txt): after the decoded-length varint, a
 * sequence of literals (tag `00`: length in the tag's upper 6 bits, or in 1–4 following bytes) and
 * copies from earlier output (tags `01`, `10`, `11`: 1-, 2- and 4-byte offsets).
 */

/**
 * Decodes the elements of a snappy block, which start at `from` (after the decoded-length header),
 * into `out[0, length)`. Returns false when the block is malformed or does not decode to exactly
 * `length` bytes. `out` must hold at least `length` bytes.
 */
export function decodeSnappyElements(block: Uint8Array, from: number, out: Uint8Array, length: number): boolean {
  let pos = from;
  let written = 0;
  const end = block.length;
  while (pos < end) {
    const tag = block[pos++] as number;
    const kind = tag & 3;
    if (kind === 0) {
      let literal = tag >>> 2;
      if (literal >= 60) {
        const bytes = literal - 59;
        if (pos + bytes > end) return false;
        literal = 0;
        for (let i = 0; i < bytes; i++) literal += (block[pos + i] as number) * 2 ** (8 * i);
        pos += bytes;
      }
      literal += 1;
      if (pos + literal > end || written + literal > length) return false;
      if (literal < 16) for (let i = 0; i < literal; i++) out[written + i] = block[pos + i] as number;
      else out.set(block.subarray(pos, pos + literal), written);
      pos += literal;
      written += literal;
      continue;
    }
    let copy: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= end) return false;
      copy = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | (block[pos++] as number);
    } else if (kind === 2) {
      if (pos + 2 > end) return false;
      copy = (tag >>> 2) + 1;
      offset = (block[pos] as number) | ((block[pos + 1] as number) << 8);
      pos += 2;
    } else {
      if (pos + 4 > end) return false;
      copy = (tag >>> 2) + 1;
      offset = ((block[pos] as number) | ((block[pos + 1] as number) << 8) | ((block[pos + 2] as number) << 16)) + (block[pos + 3] as number) * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > written || written + copy > length) return false;
    const source = written - offset;
    // Overlapping copies (offset < length) repeat the last `offset` bytes: copy forwards byte by byte.
    if (offset < copy || copy < 16) for (let i = 0; i < copy; i++) out[written + i] = out[source + i] as number;
    else out.copyWithin(written, source, source + copy);
    written += copy;
  }
  return written === length;
}
