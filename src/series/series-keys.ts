/**
 * Series keys (see `label-pairs.ts`) as the series store keeps them, 4 bytes a label: every
 * series' pair ids back to back ({@link SeriesKeys}); and the key of a name and labels being looked
 * up ({@link KeyScratch}): pair ids sorted byte-wise by name, and their encoded bytes for the hash.
 */
import { compareUtf8 } from './label-pairs.js';
import type { LabelPairTable } from './label-pairs.js';
import type { Labels } from './model.js';

/** Every series' key as pair ids, back to back, plus the pair holding its name and whether it is faithful. */
export class SeriesKeys {
  pairIds = new Int32Array(1 << 12);
  private starts = new Uint32Array(1 << 10);
  private names = new Int32Array(1 << 10);
  private faithful = new Uint8Array(1 << 10);
  private count = 0;

  /** Bytes held by the arrays, as allocated. */
  get bytes(): number {
    return this.pairIds.byteLength + this.starts.byteLength + this.names.byteLength + this.faithful.byteLength;
  }

  /** Where series `id`'s pair ids start in {@link pairIds} (`start(id + 1)` is where they end). */
  start(id: number): number {
    return this.starts[id] as number;
  }

  /** Whether series `id` can be found by its key's encoded bytes (see `label-pairs.ts`). */
  isFaithful(id: number): boolean {
    return this.faithful[id] === 1;
  }

  /** The pair `__name__` = metric name of series `id`. */
  namePair(id: number): number {
    return this.names[id] as number;
  }

  /** Whether series `id`'s key is the first `count` of `pairIds`. */
  equals(id: number, pairIds: Int32Array, count: number): boolean {
    const start = this.starts[id] as number;
    if ((this.starts[id + 1] as number) - start !== count) return false;
    for (let k = 0; k < count; k++) if (this.pairIds[start + k] !== pairIds[k]) return false;
    return true;
  }

  /** Appends the key of the next series: the first `count` of `pairIds`, the metric name's pair (`namePair`) first among the `__name__` pairs. */
  add(pairIds: Int32Array, count: number, namePair: number, faithful: boolean): void {
    const id = this.count;
    if (id + 2 > this.starts.length) {
      this.starts = grown(this.starts, this.starts.length * 2);
      this.names = grown(this.names, this.starts.length);
      this.faithful = grown(this.faithful, this.starts.length);
    }
    const start = this.starts[id] as number;
    if (start + count > this.pairIds.length) this.pairIds = grown(this.pairIds, Math.max(start + count, this.pairIds.length * 2));
    this.pairIds.set(pairIds.subarray(0, count), start);
    this.starts[id + 1] = start + count;
    this.faithful[id] = faithful ? 1 : 0;
    this.names[id] = namePair;
    this.count = id + 1;
  }

  /** The labels of series `id`, metric name apart. */
  labels(id: number, pairs: LabelPairTable): Labels {
    const labels: Record<string, string> = {};
    let nameSkipped = false;
    for (let k = this.start(id), end = this.start(id + 1); k < end; k++) {
      const pair = this.pairIds[k] as number;
      const name = pairs.name(pair);
      if (name === '__name__' && !nameSkipped) {
        nameSkipped = true;
        continue;
      }
      if (name === '__proto__') Object.defineProperty(labels, name, { value: pairs.value(pair), enumerable: true, writable: true, configurable: true });
      else labels[name] = pairs.value(pair);
    }
    return labels;
  }
}

/**
 * The key being looked up, reused from call to call: the pair ids of a name and labels sorted
 * byte-wise by name, and their encoded bytes back to back; plus room to copy samples into.
 */
export class KeyScratch {
  pairIds = new Int32Array(64);
  count = 0;
  /** The pair `__name__` = metric name. */
  namePair = -1;
  encoded: Buffer = Buffer.alloc(1 << 12);
  view = new DataView(this.encoded.buffer, this.encoded.byteOffset, this.encoded.byteLength);
  byteLength = 0;
  private timestampsMs = new Float64Array(64);
  private values = new Float64Array(64);

  /** Bytes held by the reusable arrays. */
  get bytes(): number {
    return this.pairIds.byteLength + this.encoded.length + this.timestampsMs.byteLength + this.values.byteLength;
  }

  /** Builds the key of `name` and `labels`; returns whether it is faithful (found by its encoded bytes). */
  build(pairs: LabelPairTable, name: string, labels: Labels): boolean {
    const labelNames = Object.keys(labels);
    if (labelNames.length + 1 > this.pairIds.length) this.pairIds = new Int32Array(2 * (labelNames.length + 1));
    const pairIds = this.pairIds;
    this.namePair = pairs.intern('__name__', name);
    pairIds[0] = this.namePair;
    let count = 1;
    let faithful = pairs.isFaithful(this.namePair);
    for (const labelName of labelNames) {
      const pair = pairs.intern(labelName, labels[labelName] as string);
      faithful &&= pairs.isFaithful(pair) && labelName !== '__name__';
      // Insertion sort, stable: the metric name's pair stays ahead of a `__name__` label.
      let k = count;
      for (; k > 0 && compareUtf8(pairs.name(pairIds[k - 1] as number), labelName) > 0; k--) pairIds[k] = pairIds[k - 1] as number;
      pairIds[k] = pair;
      count++;
    }
    this.count = count;
    this.encode(pairs);
    return faithful;
  }

  /** Room for `length` samples. */
  samples(length: number): { timestampsMs: Float64Array; values: Float64Array } {
    if (length > this.values.length) {
      this.timestampsMs = new Float64Array(length);
      this.values = new Float64Array(length);
    }
    return { timestampsMs: this.timestampsMs, values: this.values };
  }

  private encode(pairs: LabelPairTable): void {
    const offsets = pairs.offsets;
    let length = 0;
    for (let k = 0; k < this.count; k++) {
      const pair = this.pairIds[k] as number;
      length += (offsets[pair + 1] as number) - (offsets[pair] as number);
    }
    if (length > this.encoded.length) {
      this.encoded = Buffer.alloc(2 * length);
      this.view = new DataView(this.encoded.buffer, this.encoded.byteOffset, this.encoded.byteLength);
    }
    let pos = 0;
    for (let k = 0; k < this.count; k++) {
      const pair = this.pairIds[k] as number;
      pos += pairs.encoded.copy(this.encoded, pos, offsets[pair] as number, offsets[pair + 1] as number);
    }
    this.byteLength = pos;
  }
}

function grown<T extends Int32Array | Uint32Array | Uint8Array>(old: T, length: number): T {
  const fresh = new (old.constructor as new (length: number) => T)(length);
  fresh.set(old);
  return fresh;
}
