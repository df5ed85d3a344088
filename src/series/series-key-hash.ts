/**
 * The hash the series store's index files series keys under (see `label-pairs.ts` for the key's byte
 * format). Any 32-bit function of the bytes is correct: the index compares the key itself on every
 * hash match, so a collision costs a comparison, never a wrong series. Tests inject a constant hash
 * to force collisions.
 */

/** A 32-bit hash of `bytes[start, end)`; `view` is a DataView of the same memory as `bytes`. */
export type SeriesKeyHash = (bytes: Uint8Array, view: DataView, start: number, end: number) => number;

/**
 * Two lanes of MurmurHash2-style mixing over little-endian 32-bit words (read through `view`,
 * unaligned, eight bytes a step), then MurmurHash3's finaliser. Each step is a bijection of its lane's
 * state for a given word, so keys of equal length that differ in one word never collide. Not keyed:
 * a sender that crafts colliding label sets slows its own lookups down (each match is compared in
 * turn) but cannot merge two series.
 */
export const hashSeriesKey: SeriesKeyHash = (bytes, view, start, end) => {
  let a = 0x811c9dc5 ^ (end - start);
  let b = 0x3c6ef372;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    a = Math.imul(a ^ view.getInt32(i, true), 0x5bd1e995);
    a ^= a >>> 15;
    b = Math.imul(b ^ view.getInt32(i + 4, true), 0x5bd1e995);
    b ^= b >>> 15;
  }
  for (; i < end; i++) a = Math.imul(a ^ (bytes[i] as number), 16777619);
  let hash = a ^ Math.imul(b, 0x27d4eb2d);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
};
