import { describe, expect, it } from 'vitest';
import { createRng } from '../random.js';
import { blockLength, resampleIndices } from './block-bootstrap.js';

describe('blockLength', () => {
  it('follows round(1.5·m^(1/3)) within [1, m]', () => {
    expect(blockLength(1)).toBe(1);
    expect(blockLength(2)).toBe(2);
    expect(blockLength(8)).toBe(3);
    expect(blockLength(60)).toBe(6);
    expect(blockLength(360)).toBe(11);
    expect(blockLength(1000)).toBe(15);
  });

  it('rejects non-positive and fractional lengths', () => {
    expect(() => blockLength(0)).toThrow(/positive integer, got 0/);
    expect(() => blockLength(2.5)).toThrow(/got 2.5/);
  });
});

describe('resampleIndices', () => {
  it('concatenates runs of consecutive indices that start in [0, m − L]', () => {
    const m = 50;
    const length = 7;
    const indices = resampleIndices(createRng(7), m, length);
    expect(indices).toHaveLength(m);
    for (let blockStart = 0; blockStart < m; blockStart += length) {
      const first = indices[blockStart] as number;
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThanOrEqual(m - length);
      for (let k = 1; k < length && blockStart + k < m; k++) expect(indices[blockStart + k]).toBe(first + k);
    }
  });

  it('is deterministic per seed and reuses the output buffer', () => {
    const out = new Int32Array(30);
    const a = Array.from(resampleIndices(createRng(42), 30, 4, out));
    const again = resampleIndices(createRng(42), 30, 4, out);
    expect(again).toBe(out);
    expect(Array.from(again)).toEqual(a);
    expect(Array.from(resampleIndices(createRng(43), 30, 4))).not.toEqual(a);
  });

  it('covers every start position about equally often', () => {
    const m = 20;
    const length = 5;
    const rng = createRng(1);
    const starts = new Array<number>(m - length + 1).fill(0);
    const out = new Int32Array(m);
    for (let r = 0; r < 4000; r++) {
      resampleIndices(rng, m, length, out);
      for (let b = 0; b < m; b += length) starts[out[b] as number]! += 1;
    }
    const expected = (4000 * 4) / starts.length;
    for (const count of starts) expect(Math.abs(count - expected)).toBeLessThan(0.15 * expected);
  });

  it('with L = m returns the identity, with L = 1 an i.i.d. resample', () => {
    expect(Array.from(resampleIndices(createRng(3), 6, 6))).toEqual([0, 1, 2, 3, 4, 5]);
    const iid = resampleIndices(createRng(3), 200, 1);
    expect(new Set(iid).size).toBeLessThan(200);
  });

  it('rejects bad block lengths and buffers', () => {
    expect(() => resampleIndices(createRng(1), 10, 11)).toThrow(/blockLength must be an integer in \[1, 10\], got 11/);
    expect(() => resampleIndices(createRng(1), 10, 2, new Int32Array(9))).toThrow(/out has length 9; expected 10/);
    expect(() => resampleIndices(createRng(1), 0, 1)).toThrow(/positive integer, got 0/);
  });
});
