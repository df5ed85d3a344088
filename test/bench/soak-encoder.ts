/**
 * Encodes the soak's remote-write batches: the `WriteRequest` a Prometheus 2.x sender would send
 * (remote-write 1.0, one `TimeSeries` per sample, zero values left out as proto3 encoders do), byte
 * for byte what the bench's `encodeSamples` makes of the same samples, in a valid snappy block.
 *
 * The block is written by a snappy encoder that knows the request's structure instead of searching
 * for matches: a label set already written earlier in the batch becomes copy elements pointing at
 * it (2-byte offsets, 4-byte beyond 64 KiB), everything else literals. Any snappy decoder
 * reads it back to the same bytes (the unit test checks the `snappy` package and shiftguard's own
 * decoder). With the soak's 200 shards each series recurs many times a batch and the block is
 * about a third larger than the native encoder's, at a fifth of its cost (with a handful of shards a
 * batch holds each series once and is barely compressed): the native `compressSync` took ~1.4 µs a sample here, more than
 * `serve` spends receiving it, so a generator using it could not keep up with the receiver on two cores.
 */
import type { SoakClock, SoakFleet } from './soak-load.js';
import { scrapeTimeMs, soakValue } from './soak-load.js';

/** One encoded request of a shard. */
export interface SoakBatch {
  readonly shard: number;
  /** Batch number in the shard's stream. */
  readonly index: number;
  readonly samples: number;
  /** Snappy block of the `WriteRequest`. */
  readonly body: Uint8Array;
}

/** Largest offset of a snappy copy with a 2-byte offset (beyond: 4-byte offsets). */
const MAX_COPY2_OFFSET = 0xffff;
/** Longest snappy copy element. */
const MAX_COPY_LENGTH = 64;

/** Reused memory of the encoder: the serialized request, the block, and where each series' labels were written in this batch. */
class EncoderScratch {
  raw = new Uint8Array(1 << 20);
  rawView = new DataView(this.raw.buffer);
  block = new Uint8Array(blockCapacity(this.raw.length));
  labelsAt = new Int32Array(0);
  seenIn = new Int32Array(0);
  batch = 0;

  prepare(series: number): void {
    if (this.labelsAt.length < series) [this.labelsAt, this.seenIn] = [new Int32Array(series), new Int32Array(series)];
    this.batch++;
  }

  ensure(rawSize: number): void {
    if (rawSize <= this.raw.length) return;
    const size = Math.max(rawSize, this.raw.length * 2);
    const raw = new Uint8Array(size);
    raw.set(this.raw);
    this.raw = raw;
    this.rawView = new DataView(raw.buffer);
    const block = new Uint8Array(blockCapacity(size));
    block.set(this.block);
    this.block = block;
  }
}

/** Room for the block of `rawSize` raw bytes: literals cost their bytes and a tag, copies at most 5 bytes per byte copied: never more than 6 bytes per raw byte. */
function blockCapacity(rawSize: number): number {
  return 6 * rawSize + 16;
}

const scratch = new EncoderScratch();

/** Encodes batch `b` of `shard` (samples `[b × size, (b + 1) × size)` of its stream). */
export function encodeBatch(soak: SoakFleet, clock: SoakClock, shard: number, b: number, size: number): SoakBatch {
  const members = soak.shards[shard];
  if (members === undefined) throw new RangeError(`encodeBatch: no shard ${shard}`);
  scratch.prepare(soak.labelBytes.length);
  const block = new BlockWriter();
  let at = 0;
  for (let j = b * size; j < (b + 1) * size; j++) {
    const k = Math.floor(j / members.length);
    const series = members[j % members.length] as number;
    at = writeTimeSeries(block, series, soak.labelBytes[series] as Uint8Array, scrapeTimeMs(clock, k), soakValue(soak, series, k), at);
  }
  return { shard, index: b, samples: size, body: block.finish(at) };
}

/** Writes one `TimeSeries` field (labels, then one `Sample`) at `at` of the raw request, and its share of the block; returns the raw end. */
function writeTimeSeries(block: BlockWriter, series: number, labels: Uint8Array, timestampMs: number, value: number, at: number): number {
  const fields = (value === 0 ? 0 : 9) + (timestampMs === 0 ? 0 : 1 + varintLength(timestampMs));
  const seriesLength = labels.length + 1 + varintLength(fields) + fields;
  scratch.ensure(at + seriesLength + 16);
  const raw = scratch.raw;
  let pos = at;
  raw[pos++] = 0x0a;
  pos = writeVarint(raw, seriesLength, pos);
  const previous = scratch.seenIn[series] === scratch.batch ? (scratch.labelsAt[series] as number) : -1;
  if (previous >= 0) block.copy(pos, previous, labels.length);
  raw.set(labels, pos);
  scratch.labelsAt[series] = pos;
  scratch.seenIn[series] = scratch.batch;
  pos += labels.length;
  raw[pos++] = 0x12;
  pos = writeVarint(raw, fields, pos);
  if (value !== 0) {
    raw[pos++] = 0x09;
    scratch.rawView.setFloat64(pos, value, true);
    pos += 8;
  }
  if (timestampMs !== 0) {
    raw[pos++] = 0x10;
    pos = writeVarint(raw, timestampMs, pos);
  }
  return pos;
}

/**
 * Writes the snappy block of the raw request while it is built: bytes not covered by a copy are
 * flushed as literals, in order.
 */
class BlockWriter {
  private out = 0;
  /** Start of the raw bytes not yet in the block. */
  private pending = 0;

  constructor() {
    // The preamble (the raw length) is only known at the end: leave room for its 5 bytes and move the block then.
    this.out = 5;
  }

  /** Raw bytes `[at, at + length)` repeat `[from, from + length)`: flush the literal before them and emit copies. */
  copy(at: number, from: number, length: number): void {
    this.literal(at);
    const offset = at - from;
    const block = scratch.block;
    const offsetBytes = offset <= MAX_COPY2_OFFSET ? 2 : 4;
    for (let left = length; left > 0; left -= MAX_COPY_LENGTH) {
      const n = Math.min(MAX_COPY_LENGTH, left);
      block[this.out++] = ((n - 1) << 2) | (offsetBytes === 2 ? 0b10 : 0b11);
      for (let i = 0; i < offsetBytes; i++) block[this.out++] = (offset >>> (8 * i)) & 0xff;
    }
    this.pending = at + length;
  }

  /** The block of the raw request `[0, rawLength)`, as a fresh array. */
  finish(rawLength: number): Uint8Array {
    this.literal(rawLength);
    const head: number[] = [];
    writeVarintTo(head, rawLength);
    const body = new Uint8Array(head.length + this.out - 5);
    body.set(head, 0);
    body.set(scratch.block.subarray(5, this.out), head.length);
    return body;
  }

  /** Flushes raw bytes `[pending, end)` as one literal element. */
  private literal(end: number): void {
    const length = end - this.pending;
    if (length <= 0) return;
    const block = scratch.block;
    if (length <= 60) block[this.out++] = (length - 1) << 2;
    else {
      const n = length - 1;
      const bytes = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
      block[this.out++] = (59 + bytes) << 2;
      for (let i = 0; i < bytes; i++) block[this.out++] = (n >>> (8 * i)) & 0xff;
    }
    block.set(scratch.raw.subarray(this.pending, end), this.out);
    this.out += length;
    this.pending = end;
  }
}

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

function writeVarint(bytes: Uint8Array, value: number, at: number): number {
  let rest = value;
  let pos = at;
  while (rest >= 0x80) {
    bytes[pos++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  bytes[pos++] = rest;
  return pos;
}

function writeVarintTo(bytes: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}
