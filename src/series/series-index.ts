/**
 * The series store's index: an open-addressing hash table (linear probing, at most half full) from a
 * series key's 32-bit hash to the series number. It holds only hashes and numbers; callers walk the
 * slots of a hash ({@link SeriesIndex.firstSlot}, {@link SeriesIndex.nextSlot}) and compare the
 * series' keys themselves, so colliding hashes cost a comparison, never a wrong series. Series are
 * never removed.
 */

/** Slots a new index starts with (a power of two). */
const INITIAL_SLOTS = 1 << 10;

export class SeriesIndex {
  /** Series number + 1 per slot; 0 = empty. */
  private entries = new Int32Array(INITIAL_SLOTS);
  private hashes = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  /** Bytes held by the table. */
  get bytes(): number {
    return this.entries.byteLength + this.hashes.byteLength;
  }

  /** The first slot to look at for `hash`. */
  firstSlot(hash: number): number {
    return hash & this.mask;
  }

  /** The slot after `slot` in probing order. */
  nextSlot(slot: number): number {
    return (slot + 1) & this.mask;
  }

  /** The series number in `slot` when its hash is `hash`; -1 when the slot is empty (the probe ends); -2 when another hash sits there. */
  candidate(slot: number, hash: number): number {
    const entry = this.entries[slot] as number;
    if (entry === 0) return -1;
    return this.hashes[slot] === hash ? entry - 1 : -2;
  }

  /** Files series `id` under `hash` (the caller has checked that its key is not there yet). */
  insert(hash: number, id: number): void {
    if (2 * (this.count + 1) > this.entries.length) this.grow();
    this.place(hash, id + 1);
    this.count++;
  }

  private place(hash: number, entry: number): void {
    let slot = hash & this.mask;
    while (this.entries[slot] !== 0) slot = (slot + 1) & this.mask;
    this.entries[slot] = entry;
    this.hashes[slot] = hash;
  }

  private grow(): void {
    const oldEntries = this.entries;
    const oldHashes = this.hashes;
    this.entries = new Int32Array(oldEntries.length * 2);
    this.hashes = new Int32Array(oldEntries.length * 2);
    this.mask = this.entries.length - 1;
    for (let slot = 0; slot < oldEntries.length; slot++) {
      const entry = oldEntries[slot] as number;
      if (entry !== 0) this.place(oldHashes[slot] as number, entry);
    }
  }
}
