/**
 * Remembers decoded label sets by their exact encoded bytes. A sender writes the same series again at
 * every scrape, and Prometheus encodes a series' labels identically each time (sorted, one `labels`
 * field after another, before the samples), so the run of `labels` fields at the start of a
 * `TimeSeries` is a key for the label set it decodes to. On a hit the decoder skips parsing, validating
 * and building that label set (the bulk of the work in a label-heavy request) and shares one frozen
 * `labels` object between the series of every request.
 *
 * Two-way set-associative table: each key may sit in one of two slots chosen from a 32-bit hash of all
 * its bytes (read eight at a time), the least recently used of the two is replaced, and a hit also
 * compares the bytes themselves, so a hash collision only costs a miss. A label set is admitted on its
 * second sighting (the first only records its hash), so series seen once, or a working set larger than
 * the table, cost a hash per series rather than a copy. Bounded: `slotCount` entries whose keys are at
 * most `maxKeyBytes` long (longer label sets are not cached).
 *
 * The service's receiver (`ingest-remote-write.ts`) finds the series its store holds by their bytes
 * before this cache is asked, so there it only sees series the store does not hold (new ones, those
 * refused by the cardinality limit) or holds under another encoding; `decodeRemoteWrite` callers use
 * it for every series.
 */
import { hashSeriesKey } from '../../series/series-key-hash.js';

/** A label set as the decoder stores it: `__name__` apart, the other labels frozen. */
export interface CachedLabelSet {
  readonly name: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

/** Tag of `TimeSeries.labels` (field 1, length-delimited). */
const LABELS_TAG = 0x0a;

/** A bounded cache of label sets keyed by their encoded bytes. */
export class LabelSetCache {
  private readonly mask: number;
  private readonly maxKeyBytes: number;
  private readonly hashes: Int32Array;
  /** Hash of the last label set seen (not admitted) whose first slot is this one. */
  private readonly sightings: Int32Array;
  private readonly lastUsed: Float64Array;
  private readonly keys: Array<Buffer | null>;
  private readonly entries: Array<CachedLabelSet | null>;
  private clock = 0;

  constructor(slotCount = 1 << 15, maxKeyBytes = 1024) {
    if (!Number.isInteger(Math.log2(slotCount)) || slotCount < 2 || slotCount > 1 << 16) {
      throw new RangeError(`slotCount must be a power of two in [2, 65536], got ${slotCount}`);
    }
    this.mask = slotCount - 1;
    this.maxKeyBytes = maxKeyBytes;
    this.hashes = new Int32Array(slotCount);
    this.sightings = new Int32Array(slotCount);
    this.lastUsed = new Float64Array(slotCount);
    this.keys = new Array<Buffer | null>(slotCount).fill(null);
    this.entries = new Array<CachedLabelSet | null>(slotCount).fill(null);
  }

  /** The hash under which the label set encoded by `bytes[start, end)` is looked up (`view`: a DataView of `bytes`). */
  hashOf(bytes: Uint8Array, view: DataView, start: number, end: number): number {
    return hashSeriesKey(bytes, view, start, end);
  }

  /** The label set encoded by `bytes[start, end)` (of hash {@link hashOf}), when it was stored before. */
  get(hash: number, bytes: Uint8Array, start: number, end: number): CachedLabelSet | undefined {
    if (end - start > this.maxKeyBytes) return undefined;
    let slot = hash & this.mask;
    if (!this.matches(slot, hash, bytes, start, end)) {
      slot = secondSlot(hash, this.mask);
      if (!this.matches(slot, hash, bytes, start, end)) return undefined;
    }
    this.lastUsed[slot] = ++this.clock;
    return this.entries[slot] ?? undefined;
  }

  /**
   * Offers the label set that `bytes[start, end)` decoded to: stored (its labels frozen, a copy of the
   * bytes kept) when the same hash was offered before, otherwise only its hash is recorded.
   */
  offer(hash: number, bytes: Uint8Array, start: number, end: number, name: string | undefined, labels: Record<string, string>): void {
    if (end - start > this.maxKeyBytes) return;
    const first = hash & this.mask;
    if (this.sightings[first] !== hash) {
      this.sightings[first] = hash;
      return;
    }
    const second = secondSlot(hash, this.mask);
    const slot = (this.lastUsed[first] as number) <= (this.lastUsed[second] as number) ? first : second;
    this.hashes[slot] = hash;
    this.lastUsed[slot] = ++this.clock;
    this.keys[slot] = Buffer.from(bytes.subarray(start, end));
    this.entries[slot] = { name, labels: Object.freeze(labels) };
  }

  private matches(slot: number, hash: number, bytes: Uint8Array, start: number, end: number): boolean {
    const key = this.keys[slot];
    if (key === null || key === undefined || this.hashes[slot] !== hash || key.length !== end - start) return false;
    return key.compare(bytes, start, end) === 0;
  }
}

/** The other slot a key may occupy: bits 16–31 of its hash (independent of the first slot's bits). */
function secondSlot(hash: number, mask: number): number {
  return ((hash >>> 16) | (hash << 16)) & mask;
}

/**
 * End offset of the run of consecutive `labels` fields that starts at `start` (at most `end`); `start`
 * when the series does not start with labels, -1 when a length runs past `end` (the full decoder then
 * reports the error).
 */
export function labelRunEnd(bytes: Uint8Array, start: number, end: number): number {
  let pos = start;
  while (pos < end && bytes[pos] === LABELS_TAG) {
    let length = 0;
    let shift = 0;
    let byte = 0x80;
    pos++;
    while (byte >= 0x80) {
      if (pos >= end || shift > 28) return -1;
      byte = bytes[pos++] as number;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    pos += length;
    if (pos > end) return -1;
  }
  return pos;
}
