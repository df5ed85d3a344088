/** Command-line options of `npm run bench` (after `--`). */
import { parseArgs } from 'node:util';

export interface BenchArgs {
  /** Directory to write into and keep (input, reports, blocks); `null`: a fresh temp dir, big files removed at the end. */
  readonly keepDir: string | null;
  /** Runs of each measurement; the median and minimum are reported. */
  readonly repetitions: number;
  /** Unmeasured runs of each child process before the measured ones (page cache, CPU clocks). */
  readonly warmups: number;
  /** Approximate size of the generated OpenMetrics file, bytes. */
  readonly targetBytes: number;
  /** Seed of the simulated fleet. */
  readonly seed: number;
  /** Also run analyze once under `node --cpu-prof` and print where its CPU time goes. */
  readonly profile: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [--keep DIR] [--repetitions N] [--warmups N] [--target-mb MB] [--seed N] [--profile]
  --keep DIR        write into DIR and keep everything there (default: a temp dir; the big files are removed)
  --repetitions N   runs of each measurement, median and min reported (default 3)
  --warmups N       unmeasured runs of each child process first (default 1)
  --target-mb MB    approximate size of the generated OpenMetrics file, 10^6 bytes (default 40)
  --seed N          seed of the simulated fleet (default 1)
  --profile         also run analyze once under node --cpu-prof and print the top functions by self time`;

/**
 * Parses the benchmark's options. @throws Error naming the option and what was expected
 * (repetitions >= 1, warm-ups >= 0, a positive size in MB, a non-negative integer seed).
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      keep: { type: 'string' },
      repetitions: { type: 'string', default: '3' },
      warmups: { type: 'string', default: '1' },
      'target-mb': { type: 'string', default: '40' },
      seed: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.keep === '') throw new Error('--keep: expected a directory, got an empty string');
  const targetMb = /^\d+(\.\d+)?$/.test(values['target-mb']) ? Number(values['target-mb']) : Number.NaN;
  if (!(targetMb > 0)) throw new Error(`--target-mb: expected a positive number of MB, got "${values['target-mb']}"`);
  return {
    keepDir: values.keep ?? null,
    repetitions: integerOption('--repetitions', values.repetitions, 1),
    warmups: integerOption('--warmups', values.warmups, 0),
    targetBytes: targetMb * 1e6,
    seed: integerOption('--seed', values.seed, 0),
    profile: values.profile,
  };
}

function integerOption(name: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name}: expected an integer >= ${min}, got "${text}"`);
  return value;
}
