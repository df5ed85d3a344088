/** Command-line options of `npm run bench` (after `--`). */
import { parseArgs } from 'node:util';

export interface BenchArgs {
  /** Directory to write into and keep (input, reports, blocks); `null`: a fresh temp dir, big files removed at the end. */
  readonly keepDir: string | null;
  /** Runs of each measurement; the median and minimum are reported. */
  readonly repetitions: number;
  /** Approximate size of the generated OpenMetrics file, bytes. */
  readonly targetBytes: number;
  /** Seed of the simulated fleet. */
  readonly seed: number;
  /** Also run analyze once under `node --cpu-prof` and print where its CPU time goes. */
  readonly profile: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [--keep DIR] [--repetitions N] [--target-mb MB] [--seed N] [--profile]
  --keep DIR        write into DIR and keep everything there (default: a temp dir; the big files are removed)
  --repetitions N   runs of each measurement, median and min reported (default 3)
  --target-mb MB    approximate size of the generated OpenMetrics file, 10^6 bytes (default 40)
  --seed N          seed of the simulated fleet (default 1)
  --profile         also run analyze once under node --cpu-prof and print the top functions by self time`;

/**
 * Parses the benchmark's options. @throws Error naming the option and what was expected
 * (positive integer repetitions, positive size, integer seed).
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      keep: { type: 'string' },
      repetitions: { type: 'string', default: '3' },
      'target-mb': { type: 'string', default: '40' },
      seed: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const repetitions = Number(values.repetitions);
  if (!Number.isInteger(repetitions) || repetitions < 1) throw new Error(`--repetitions: expected a positive integer, got "${values.repetitions}"`);
  const targetMb = Number(values['target-mb']);
  if (!Number.isFinite(targetMb) || targetMb <= 0) throw new Error(`--target-mb: expected a positive number of MB, got "${values['target-mb']}"`);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed: expected an integer, got "${values.seed}"`);
  if (values.keep === '') throw new Error('--keep: expected a directory, got an empty string');
  return { keepDir: values.keep ?? null, repetitions, targetBytes: targetMb * 1e6, seed, profile: values.profile };
}
