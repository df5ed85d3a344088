/**
 * Byte-level mutations of seed payloads as fast-check arbitraries: bit flips, bytes set to boundary
 * values, truncation, deletion, duplication of slices, insertion of random bytes, and, for protobuf,
 * lies in the length prefixes of length-delimited fields (zero, off by one, past the end, 2^31 − 1,
 * 4 GiB, ten-byte and unterminated varints). A mutation is a small recipe (positions are taken modulo
 * the current length), so fast-check prints and shrinks recipes, not kilobytes of bytes.
 */
import fc from 'fast-check';

/**
 * Largest fuzz input, bytes: a recipe that grows its seed past this (duplicated slices of long
 * strings) is cut there, so that every input stays well within the decoders' limits and the run's time.
 */
export const MAX_INPUT_BYTES = 4 << 20;

/** `bytes` cut to {@link MAX_INPUT_BYTES}. */
export function capped(bytes: Uint8Array): Uint8Array {
  return bytes.length > MAX_INPUT_BYTES ? bytes.subarray(0, MAX_INPUT_BYTES) : bytes;
}

/** What a length prefix is replaced with. */
export type LengthLie = 'zero' | 'minus-one' | 'plus-one' | 'past-end' | 'int32-max' | 'uint32-max' | 'four-gib' | 'ten-bytes' | 'unterminated' | 'padded';

/** One edit of a byte string. */
export type ByteEdit =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number; readonly to: number; readonly times: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly op: 'length'; readonly which: number; readonly lie: LengthLie };

/** Byte values at the edges of varints, ASCII and signed/unsigned ranges. */
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x0a, 0x12];
const LIES: readonly LengthLie[] = ['zero', 'minus-one', 'plus-one', 'past-end', 'int32-max', 'uint32-max', 'four-gib', 'ten-bytes', 'unterminated', 'padded'];

/** Arbitrary byte edits; with `protobuf`, length-prefix lies too. */
export function byteEdits(options: { readonly protobuf?: boolean; readonly maxEdits?: number } = {}): fc.Arbitrary<ByteEdit[]> {
  const at = fc.nat();
  const edits: fc.Arbitrary<ByteEdit>[] = [
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at, value: fc.oneof(fc.constantFrom(...BOUNDARY_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 256 }), to: at, times: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }) }),
  ];
  if (options.protobuf === true) edits.push(fc.record({ op: fc.constant('length' as const), which: fc.nat(), lie: fc.constantFrom(...LIES) }));
  return fc.array(fc.oneof(...edits), { minLength: 1, maxLength: options.maxEdits ?? 4 });
}

/** `seed` with `edits` applied in order (the seed itself is not changed). */
export function applyByteEdits(seed: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(seed);
  for (const edit of edits) bytes = applyByteEdit(bytes, edit);
  return capped(bytes);
}

function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const n = bytes.length;
  switch (edit.op) {
    case 'flip':
      if (n > 0) bytes[edit.at % n] = (bytes[edit.at % n] as number) ^ (1 << edit.bit);
      return bytes;
    case 'set':
      if (n > 0) bytes[edit.at % n] = edit.value;
      return bytes;
    case 'truncate':
      return bytes.slice(0, edit.at % (n + 1));
    case 'delete': {
      const from = edit.at % (n + 1);
      return concat(bytes.subarray(0, from), bytes.subarray(Math.min(n, from + edit.length)));
    }
    case 'duplicate': {
      const from = edit.at % (n + 1);
      const slice = bytes.slice(from, Math.min(n, from + edit.length));
      const to = edit.to % (n + 1);
      return concat(bytes.subarray(0, to), ...Array.from({ length: edit.times }, () => slice), bytes.subarray(to));
    }
    case 'insert': {
      const to = edit.at % (n + 1);
      return concat(bytes.subarray(0, to), Uint8Array.from(edit.bytes), bytes.subarray(to));
    }
    case 'length':
      return lieAboutLength(bytes, edit.which, edit.lie);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A length prefix of a length-delimited protobuf field: where its varint starts, its size in bytes and its value. */
export interface LengthPrefix {
  readonly at: number;
  readonly size: number;
  readonly value: number;
}

/**
 * The length prefixes of `bytes` read as a protobuf message: every length-delimited field, and those of
 * the sub-messages found inside them (a field whose content does not parse as a message is a string or
 * bytes, and is not entered).
 */
export function lengthPrefixes(bytes: Uint8Array): LengthPrefix[] {
  const out: LengthPrefix[] = [];
  scanMessage(bytes, 0, bytes.length, 0, out);
  return out;
}

const MAX_SCAN_DEPTH = 16;

function scanMessage(bytes: Uint8Array, start: number, end: number, depth: number, out: LengthPrefix[]): boolean {
  const mark = out.length;
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end);
    if (tag === undefined || tag.value < 8) return fail(out, mark);
    pos = tag.next;
    const wireType = tag.value % 8;
    if (wireType === 0) {
      const skipped = readVarint(bytes, pos, end);
      if (skipped === undefined) return fail(out, mark);
      pos = skipped.next;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
    } else if (wireType === 2) {
      const length = readVarint(bytes, pos, end);
      if (length === undefined || length.next + length.value > end) return fail(out, mark);
      out.push({ at: pos, size: length.next - pos, value: length.value });
      if (depth < MAX_SCAN_DEPTH) scanMessage(bytes, length.next, length.next + length.value, depth + 1, out);
      pos = length.next + length.value;
    } else return fail(out, mark);
  }
  return pos === end || fail(out, mark);
}

function fail(out: LengthPrefix[], mark: number): false {
  out.length = mark;
  return false;
}

function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 10 && pos < end; i++) {
    const byte = bytes[pos++] as number;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, next: pos };
  }
  return undefined;
}

/** The little-endian base-128 varint of `value` (up to 2^64 − 1). */
export function encodeVarint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

function lieAboutLength(bytes: Uint8Array, which: number, lie: LengthLie): Uint8Array {
  const prefixes = lengthPrefixes(bytes);
  const prefix = prefixes[which % Math.max(1, prefixes.length)];
  if (prefix === undefined) return bytes;
  const after = prefix.at + prefix.size;
  const lies: Record<LengthLie, () => number[]> = {
    zero: () => [0],
    'minus-one': () => encodeVarint(BigInt(Math.max(0, prefix.value - 1))),
    'plus-one': () => encodeVarint(BigInt(prefix.value + 1)),
    'past-end': () => encodeVarint(BigInt(bytes.length - after + 1)),
    'int32-max': () => encodeVarint(2n ** 31n - 1n),
    'uint32-max': () => encodeVarint(2n ** 32n - 1n),
    'four-gib': () => encodeVarint(2n ** 32n),
    'ten-bytes': () => encodeVarint(2n ** 64n - 1n),
    unterminated: () => Array.from({ length: 10 }, () => 0xff),
    padded: () => [...encodeVarint(BigInt(prefix.value)).map((b) => b | 0x80), 0x00],
  };
  return concat(bytes.subarray(0, prefix.at), Uint8Array.from(lies[lie]()), bytes.subarray(after));
}
