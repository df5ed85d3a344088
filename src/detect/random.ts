import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** A seeded source of uniform random numbers; every random process in shiftguard takes one. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Creates a deterministic generator (xoroshiro128+ from pure-rand, 53-bit floats) for `seed`.
 * The same seed always yields the same stream, on every platform.
 */
export function createRng(seed: number): Rng {
  const generator = xoroshiro128plus(mix32(seed));
  // xoroshiro's first outputs from small seeds are poorly mixed: skip a few.
  for (let i = 0; i < 8; i++) uniformFloat64(generator);
  const next = (): number => uniformFloat64(generator);
  return {
    next,
    int: (n: number): number => Math.floor(next() * n),
  };
}

/** SplitMix32-style finalizer so that nearby seeds (1, 2, 3…) start far apart. */
function mix32(seed: number): number {
  let z = (seed | 0) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}
