import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time even on two cores (vitest's default there is one): the longest files
    // (closed loops, validation of the sequential test) are one waiting on wall-clock time and the
    // other on one core, so pairing them halves the suite (22 -> 9 min here) without starving either.
    maxWorkers: 2,
  },
});
