/**
 * The per-series slice rings of the series store and the state that turns samples into them, for
 * series numbered densely from 0. Rings live in shared Float32 pages of {@link PAGE_SERIES} series
 * each (one typed array per page, not per series); the state (newest slice, last cumulative sample,
 * temporality) lives in one typed array per field.
 *
 * Cumulative series are differenced on arrival, resets handled as `rate()` does (a decrease is a
 * restart from 0); each increase is spread over the slices between the two samples, proportionally,
 * as `counterIncrements` does. Delta series add their values; gauges keep their last value per
 * slice (NaN = none). Each slice is a Float32: the sums are computed in doubles, then rounded.
 */
import type { SeriesRequest, Temporality } from './model.js';

const CUMULATIVE = 0;
const DELTA = 1;
const GAUGE = 2;
const TEMPORALITIES: readonly Temporality[] = ['cumulative', 'delta', 'gauge'];

/** Series per ring page (a power of two). */
export const PAGE_SERIES = 256;
const PAGE_SHIFT = Math.log2(PAGE_SERIES);
const PAGE_MASK = PAGE_SERIES - 1;
/** Bytes of state per series: first and newest slice, last value and last time (doubles), temporality (a byte). */
const STATE_BYTES = 4 * Float64Array.BYTES_PER_ELEMENT + 1;

/** One series read back as samples at slice ends: cumulative sums, or gauges' last values. */
export interface RingSamples {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

/** Slice rings and per-series state, for series added with {@link SeriesRings.add}. */
export class SeriesRings {
  /** Slices per ring. */
  readonly slots: number;
  private readonly sliceMs: number;
  private readonly pages: Float32Array[] = [];
  /** Absolute slice number of the newest slice written (−Infinity before any). */
  private newestSlice = new Float64Array(0);
  /** Absolute slice number of the oldest slice ever written (Infinity before any): reads start there, not with the empty slices before the series existed. */
  private firstSlice = new Float64Array(0);
  private lastValue = new Float64Array(0);
  private lastMs = new Float64Array(0);
  private kinds = new Uint8Array(0);
  private count = 0;
  /** Time of the earliest sample accepted, epoch ms; Infinity before any. */
  earliestMs = Infinity;

  constructor(sliceMs: number, slots: number) {
    this.sliceMs = sliceMs;
    this.slots = slots;
  }

  /** Series held. */
  get size(): number {
    return this.count;
  }

  /** Bytes held: the ring pages and the state arrays, as allocated. */
  get bytes(): number {
    return this.pages.length * PAGE_SERIES * this.slots * Float32Array.BYTES_PER_ELEMENT + this.kinds.length * STATE_BYTES;
  }

  /** Adds a series with an empty ring; returns its number. */
  add(temporality: Temporality): number {
    const id = this.count;
    if (id >= this.kinds.length) this.grow();
    if ((id & PAGE_MASK) === 0) this.pages.push(new Float32Array(PAGE_SERIES * this.slots));
    const kind = TEMPORALITIES.indexOf(temporality);
    this.kinds[id] = kind;
    this.newestSlice[id] = -Infinity;
    this.firstSlice[id] = Infinity;
    this.lastValue[id] = NaN;
    this.lastMs[id] = NaN;
    const base = (id & PAGE_MASK) * this.slots;
    (this.pages[id >>> PAGE_SHIFT] as Float32Array).fill(kind === GAUGE ? NaN : 0, base, base + this.slots);
    this.count = id + 1;
    return id;
  }

  /** How series `id` accumulates (fixed when it was added). */
  temporality(id: number): Temporality {
    return TEMPORALITIES[this.kinds[id] as number] as Temporality;
  }

  /**
   * Adds samples `[from, to)` of `timestampsMs`/`values` (any order: applied sorted by time, ties in
   * the given order) to series `id`; counts each rejected sample in `rejected` by reason (`too_old`
   * before `oldestMs`, `duplicate_sample` or `out_of_order` for a cumulative series, `non_finite_value`).
   * Returns how many were accepted.
   */
  append(id: number, timestampsMs: Float64Array, values: Float64Array, from: number, to: number, oldestMs: number, rejected: Map<string, number>): number {
    if (to - from > 1 && !ascending(timestampsMs, from, to)) return this.appendUnsorted(id, timestampsMs, values, from, to, oldestMs, rejected);
    let accepted = 0;
    for (let i = from; i < to; i++) if (this.accept(id, timestampsMs[i] as number, values[i] as number, oldestMs, rejected)) accepted++;
    return accepted;
  }

  /** The ring of series `id` as samples at slice ends within the request's range, or null when empty. */
  read(id: number, request: SeriesRequest): RingSamples | null {
    const newest = this.newestSlice[id] as number;
    if (!Number.isFinite(newest)) return null;
    const { sliceMs, slots } = this;
    const from = Math.max(newest - slots + 1, Math.floor(request.startMs / sliceMs), this.firstSlice[id] as number);
    const to = Math.min(newest, Math.floor(request.endMs / sliceMs));
    if (to < from) return null;
    const gauge = this.kinds[id] === GAUGE;
    const page = this.pages[id >>> PAGE_SHIFT] as Float32Array;
    const base = (id & PAGE_MASK) * slots;
    // Written straight into typed arrays: a counter has one sample per slice plus the anchor, a gauge at most one per slice.
    const capacity = to - from + 1 + (gauge ? 0 : 1);
    const timestamps = new Float64Array(capacity);
    const out = new Float64Array(capacity);
    let n = 0;
    let running = 0;
    if (!gauge) {
      // A zero sample at the start of the first slice anchors the differences.
      timestamps[n] = from * sliceMs;
      out[n++] = 0;
    }
    for (let k = from; k <= to; k++) {
      const v = page[base + mod(k, slots)] as number;
      if (gauge) {
        if (Number.isNaN(v)) continue;
        timestamps[n] = (k + 1) * sliceMs - 1;
        out[n++] = v;
      } else {
        running += v;
        timestamps[n] = (k + 1) * sliceMs;
        out[n++] = running;
      }
    }
    if (n === 0) return null;
    return n === capacity ? { timestampsMs: timestamps, values: out } : { timestampsMs: timestamps.slice(0, n), values: out.slice(0, n) };
  }

  private appendUnsorted(id: number, timestampsMs: Float64Array, values: Float64Array, from: number, to: number, oldestMs: number, rejected: Map<string, number>): number {
    const order = Array.from({ length: to - from }, (_, i) => from + i).sort((a, b) => (timestampsMs[a] ?? 0) - (timestampsMs[b] ?? 0));
    let accepted = 0;
    for (const i of order) if (this.accept(id, timestampsMs[i] as number, values[i] as number, oldestMs, rejected)) accepted++;
    return accepted;
  }

  private accept(id: number, tMs: number, value: number, oldestMs: number, rejected: Map<string, number>): boolean {
    if (!Number.isFinite(tMs) || tMs < oldestMs) return reject(rejected, 'too_old');
    const kind = this.kinds[id] as number;
    if (kind === CUMULATIVE) {
      const lastMs = this.lastMs[id] as number;
      if (tMs <= lastMs) return reject(rejected, tMs === lastMs ? 'duplicate_sample' : 'out_of_order');
    }
    if (!Number.isFinite(value)) return reject(rejected, 'non_finite_value');
    if (tMs < this.earliestMs) this.earliestMs = tMs;
    if (kind === GAUGE) this.write(id, Math.floor(tMs / this.sliceMs), value, true);
    // A delta point counts what happened in (start, t]: it belongs to the slice whose (start, end]
    // holds t, so a point exactly on a slice boundary closes the slice before it (as a cumulative
    // sample there would).
    else if (kind === DELTA) this.write(id, Math.ceil(tMs / this.sliceMs) - 1, value, false);
    else this.applyCumulative(id, tMs, value);
    return true;
  }

  /** The first sample only sets the reference; later ones spread their increase. */
  private applyCumulative(id: number, tMs: number, value: number): void {
    const lastMs = this.lastMs[id] as number;
    if (Number.isFinite(lastMs)) {
      const lastValue = this.lastValue[id] as number;
      this.spread(id, lastMs, tMs, value >= lastValue ? value - lastValue : value);
    }
    this.lastValue[id] = value;
    this.lastMs[id] = tMs;
  }

  /** Spreads `delta` over the slices that [fromMs, toMs] overlaps, proportionally (as counterIncrements does). */
  private spread(id: number, fromMs: number, toMs: number, delta: number): void {
    const sliceMs = this.sliceMs;
    const first = Math.floor(fromMs / sliceMs);
    const last = Math.floor(toMs / sliceMs);
    const length = toMs - fromMs;
    for (let k = first; k <= last; k++) {
      const overlap = Math.min(toMs, (k + 1) * sliceMs) - Math.max(fromMs, k * sliceMs);
      if (overlap > 0) this.write(id, k, (delta * overlap) / length, false);
    }
  }

  /**
   * Writes slice `k` (absolute) of series `id`: sets it to `x` (`set`, gauges) or adds `x` (a NaN slice
   * of a non-gauge counts as 0). Advances the ring as time moves on, clearing the slices it passes;
   * a slice older than the ring is dropped.
   */
  private write(id: number, k: number, x: number, set: boolean): void {
    const slots = this.slots;
    const gauge = this.kinds[id] === GAUGE;
    const page = this.pages[id >>> PAGE_SHIFT] as Float32Array;
    const base = (id & PAGE_MASK) * slots;
    let newest = this.newestSlice[id] as number;
    if (k > newest) {
      const clearFrom = Number.isFinite(newest) ? Math.max(newest + 1, k - slots + 1) : k - slots + 1;
      const empty = gauge ? NaN : 0;
      for (let j = clearFrom; j <= k; j++) page[base + mod(j, slots)] = empty;
      this.newestSlice[id] = newest = k;
    }
    if (k <= newest - slots) return;
    if (k < (this.firstSlice[id] as number)) this.firstSlice[id] = k;
    const index = base + mod(k, slots);
    if (set) {
      page[index] = x;
      return;
    }
    const old = page[index] as number;
    page[index] = (gauge || !Number.isNaN(old) ? old : 0) + x;
  }

  private grow(): void {
    const capacity = Math.max(PAGE_SERIES, this.kinds.length * 2);
    this.newestSlice = resized(this.newestSlice, new Float64Array(capacity));
    this.firstSlice = resized(this.firstSlice, new Float64Array(capacity));
    this.lastValue = resized(this.lastValue, new Float64Array(capacity));
    this.lastMs = resized(this.lastMs, new Float64Array(capacity));
    this.kinds = resized(this.kinds, new Uint8Array(capacity));
  }
}

function resized<T extends Float64Array | Uint8Array>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

function ascending(values: Float64Array, from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (!((values[i - 1] as number) <= (values[i] as number))) return false;
  return true;
}

function reject(rejected: Map<string, number>, reason: string): false {
  rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
  return false;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
