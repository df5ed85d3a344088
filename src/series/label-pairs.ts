/**
 * The label pairs (name = value) of every stored series, interned, and the byte form of series keys.
 *
 * A series key is the series' pairs, `__name__` = the metric name included, sorted byte-wise (UTF-8)
 * by name, each encoded as field 1 (length-delimited) holding a message `{ 1: name, 2: value }`. That
 * is, byte for byte, how Prometheus encodes the `labels` of a remote-write 1.0 `TimeSeries`, so a
 * receiver can find a stored series from the bytes it received without decoding them. A series
 * stores its key as a list of pair ids (4 bytes a label); pairs repeat across series (`job`,
 * `service`, `le`, …), so their strings and encoded bytes are kept once, in this table.
 *
 * A pair is "faithful" when decoding its encoded bytes as a remote-write label gives it back
 * unchanged: a non-empty name other than `__proto__`, a non-empty value (remote-write drops labels
 * with empty values) and well-formed UTF-16 on both sides (a lone surrogate has no UTF-8 form). Only
 * series whose pairs are all faithful can be found by their received bytes.
 */

/** Tag of field 1, length-delimited (a `TimeSeries.labels` or a `Label.name`). */
const FIELD_1 = 0x0a;
/** Tag of field 2, length-delimited (`Label.value`). */
const FIELD_2 = 0x12;
/** A lone (unpaired) UTF-16 surrogate. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Estimated JS heap bytes per pair beyond its encoded bytes: two map entries and the string headers. */
const PAIR_OVERHEAD_BYTES = 96;

/** An append-only table of interned label pairs; pair ids are dense, from 0. */
export class LabelPairTable {
  private readonly ids = new Map<string, Map<string, number>>();
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  /** Encoded pairs, back to back: pair p is `arena[starts[p], starts[p + 1])`. */
  private arena: Buffer = Buffer.alloc(1 << 12);
  private arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private starts = new Uint32Array(1 << 10);
  private faithfulFlags = new Uint8Array(1 << 10);
  private stringBytes = 0;
  private pairCount = 0;

  /** The id of the pair `name` = `value`, added when new. */
  intern(name: string, value: string): number {
    let byValue = this.ids.get(name);
    if (byValue === undefined) this.ids.set(name, (byValue = new Map()));
    const known = byValue.get(value);
    if (known !== undefined) return known;
    const id = this.pairCount;
    this.append(name, value);
    byValue.set(value, id);
    return id;
  }

  /** The encoded pairs, back to back (replaced when the table grows: read it again after {@link intern}). */
  get encoded(): Buffer {
    return this.arena;
  }

  /** A DataView of {@link encoded} (replaced with it). */
  get encodedView(): DataView {
    return this.arenaView;
  }

  /** Offsets of each pair's encoding in {@link encoded}: pair p spans `[offsets[p], offsets[p + 1])`. */
  get offsets(): Uint32Array {
    return this.starts;
  }

  /** The label name of `pair`. */
  name(pair: number): string {
    return this.names[pair] ?? '';
  }

  /** The label value of `pair`. */
  value(pair: number): string {
    return this.values[pair] ?? '';
  }

  /** Whether the pair decodes back to itself from its encoded bytes (see the file comment). */
  isFaithful(pair: number): boolean {
    return this.faithfulFlags[pair] === 1;
  }

  /** Pairs held. */
  get size(): number {
    return this.pairCount;
  }

  /** Approximate bytes held: the encoded pairs, the offset and flag arrays, and the strings and map entries. */
  get bytes(): number {
    return this.arena.length + this.starts.byteLength + this.faithfulFlags.byteLength + this.stringBytes;
  }

  private append(name: string, value: string): void {
    const nameBytes = Buffer.byteLength(name, 'utf8');
    const valueBytes = Buffer.byteLength(value, 'utf8');
    const inner = 2 + varintLength(nameBytes) + nameBytes + varintLength(valueBytes) + valueBytes;
    const total = 1 + varintLength(inner) + inner;
    const id = this.pairCount;
    this.reserve(id + 2, total);
    let pos = this.starts[id] as number;
    const arena = this.arena;
    arena[pos++] = FIELD_1;
    pos = writeVarint(arena, pos, inner);
    arena[pos++] = FIELD_1;
    pos = writeVarint(arena, pos, nameBytes);
    pos += arena.write(name, pos, 'utf8');
    arena[pos++] = FIELD_2;
    pos = writeVarint(arena, pos, valueBytes);
    pos += arena.write(value, pos, 'utf8');
    this.starts[id + 1] = pos;
    this.names.push(name);
    this.values.push(value);
    this.faithfulFlags[id] = name !== '' && value !== '' && name !== '__proto__' && !LONE_SURROGATE.test(name) && !LONE_SURROGATE.test(value) ? 1 : 0;
    this.stringBytes += 2 * (name.length + value.length) + PAIR_OVERHEAD_BYTES;
    this.pairCount = id + 1;
  }

  /** Makes room for `pairs` offsets and `extraBytes` more encoded bytes. */
  private reserve(pairs: number, extraBytes: number): void {
    if (pairs > this.starts.length) {
      const starts = new Uint32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const flags = new Uint8Array(starts.length);
      flags.set(this.faithfulFlags);
      this.faithfulFlags = flags;
    }
    const needed = (this.starts[this.pairCount] as number) + extraBytes;
    if (needed > this.arena.length) {
      const arena = Buffer.alloc(Math.max(needed, this.arena.length * 2));
      this.arena.copy(arena);
      this.arena = arena;
      this.arenaView = new DataView(arena.buffer, arena.byteOffset, arena.byteLength);
    }
  }
}

/**
 * Compares two label names in UTF-8 byte order (= code point order), which differs from JavaScript's
 * UTF-16 order when a character above U+FFFF meets one in U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) rank after U+E000–U+FFFF, as in UTF-8. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

function writeVarint(bytes: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    bytes[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  bytes[pos++] = n;
  return pos;
}
