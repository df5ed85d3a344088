import { describe, expect, it } from 'vitest';
import { LabelSetCache, labelRunEnd } from './label-set-cache.js';

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Offers `key` (at `offset` inside a larger buffer) `times` times and looks it up once more. */
function offerAndGet(cache: LabelSetCache, key: Uint8Array, times: number, offset = 3) {
  const bytes = new Uint8Array(offset + key.length + 2);
  bytes.set(key, offset);
  const view = viewOf(bytes);
  const end = offset + key.length;
  const hash = cache.hashOf(bytes, view, offset, end);
  for (let i = 0; i < times; i++) cache.offer(hash, bytes, offset, end, 'up', { key: key.join(',') });
  return cache.get(hash, bytes, offset, end);
}

describe('LabelSetCache', () => {
  it('admits a label set on its second offer and returns it frozen, keyed by the bytes wherever they sit', () => {
    const cache = new LabelSetCache(16);
    const key = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
    expect(offerAndGet(cache, key, 1)).toBeUndefined();
    const entry = offerAndGet(cache, key, 1, 11);
    expect(entry).toEqual({ name: 'up', labels: { key: key.join(',') } });
    expect(Object.isFrozen(entry?.labels)).toBe(true);
    const copy = Uint8Array.from(key);
    expect(offerAndGet(cache, copy, 0, 0)).toBe(entry);
  });

  it('never returns the entry of different bytes, even in a two-slot table full of collisions', () => {
    const cache = new LabelSetCache(2);
    const keys = Array.from({ length: 20 }, (_, k) => Uint8Array.from({ length: 12 }, (_, i) => (i === 5 ? k : 1)));
    for (const key of keys) {
      expect(offerAndGet(cache, key, 2)?.labels).toEqual({ key: key.join(',') });
      for (const other of keys) expect([undefined, other.join(',')]).toContain(offerAndGet(cache, other, 0)?.labels.key);
    }
  });

  it('does not cache keys longer than maxKeyBytes', () => {
    const cache = new LabelSetCache(16, 8);
    expect(offerAndGet(cache, new Uint8Array(9), 3)).toBeUndefined();
    expect(offerAndGet(cache, new Uint8Array(8), 2)).toBeDefined();
  });

  it('refuses a slot count that is not a power of two in [2, 65536]', () => {
    expect(() => new LabelSetCache(3)).toThrow('slotCount must be a power of two in [2, 65536], got 3');
    expect(() => new LabelSetCache(1 << 17)).toThrow(RangeError);
  });
});

describe('labelRunEnd', () => {
  it('spans the consecutive labels fields at the start of a TimeSeries', () => {
    // labels{2 bytes}, labels{1 byte}, samples{1 byte}
    const bytes = Uint8Array.of(0x0a, 2, 9, 9, 0x0a, 1, 9, 0x12, 1, 9);
    expect(labelRunEnd(bytes, 0, bytes.length)).toBe(7);
    expect(labelRunEnd(bytes, 7, bytes.length)).toBe(7);
  });

  it('returns -1 when a length runs past the end or a varint is cut', () => {
    expect(labelRunEnd(Uint8Array.of(0x0a, 5, 1), 0, 3)).toBe(-1);
    expect(labelRunEnd(Uint8Array.of(0x0a, 0x80), 0, 2)).toBe(-1);
  });
});
