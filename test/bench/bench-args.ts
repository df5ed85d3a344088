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
  /** Also run analyze (and a remote-write receiver) under `node --cpu-prof` and print where the CPU time goes. */
  readonly profile: boolean;
  /** The one section to run; `null` runs every section. */
  readonly only: BenchSection | null;
  /** The remote-write ingest section's load. */
  readonly remoteWrite: RemoteWriteLoadArgs;
  /** Closed loops the closed-loop section runs one after the other (about 2 min each). */
  readonly closedLoopRounds: number;
  /** The soak of `serve` (run only with `--only soak`). */
  readonly soak: SoakArgs;
}

/** Load and length of the soak section. */
export interface SoakArgs {
  /** Length of the load, minutes. */
  readonly minutes: number;
  /** Offered rate as a multiple of the benchmark's sustained rate. */
  readonly multiplier: number;
  /** Active series of the pushed fleet (raised when the rate needs more). */
  readonly series: number;
  /** The benchmark's sustained rate, samples/s; null: measured first as the remote-write section does. */
  readonly baseRate: number | null;
}

/** The sections of the benchmark. */
export const BENCH_SECTIONS = ['analyze', 'remote-write', 'closed-loop', 'soak'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];
/** The sections a run without `--only` runs: all but the soak, which takes 10 minutes and runs only when asked for. */
export const DEFAULT_SECTIONS: readonly BenchSection[] = ['analyze', 'remote-write', 'closed-loop'];

/** Load of the remote-write section. */
export interface RemoteWriteLoadArgs {
  /** Active series wanted (rounded up to whole simulated instances of 144 series). */
  readonly series: number;
  /** Concurrent senders, as Prometheus' remote-write shards. */
  readonly senders: number;
  /** Samples per request. */
  readonly samplesPerRequest: number;
  /** Scrapes of the whole fleet per round. */
  readonly scrapesPerRound: number;
}

export const BENCH_USAGE = `usage: npm run bench -- [--only SECTION] [--keep DIR] [--repetitions N] [--warmups N] [--target-mb MB] [--seed N] [--profile]
                       [--rw-series N] [--rw-senders N] [--rw-batch N] [--rw-scrapes N] [--closed-loop-rounds N]
                       [--soak-minutes M] [--soak-multiplier X] [--soak-series N] [--soak-base-rate N]
  --only SECTION    run one section: analyze (analyze vs promtool), remote-write (ingest vs Prometheus),
                    closed-loop (regression onset to the tuner's flag change, real Unleash) or soak (serve under
                    load for minutes); default the first three
  --keep DIR        write into DIR and keep everything there (default: a temp dir; the big files are removed)
  --repetitions N   runs of each measurement (remote-write: measured rounds), median and min reported (default 3)
  --warmups N       unmeasured runs of each child process (remote-write: rounds) first (default 1)
  --target-mb MB    approximate size of the generated OpenMetrics file, 10^6 bytes (default 40)
  --seed N          seed of the simulated fleets (default 1)
  --profile         also run analyze and a remote-write receiver under node --cpu-prof and print the top functions by self time
  --rw-series N     remote-write: active series pushed, rounded up to whole instances of 144 (default 30000)
  --rw-senders N    remote-write: concurrent senders, as remote-write shards (default 4)
  --rw-batch N      remote-write: samples per request (default 2000)
  --rw-scrapes N    remote-write: scrapes of the whole fleet per round (default 20)
  --closed-loop-rounds N
                    closed-loop: loops run one after the other, about 2 min each; the median is judged (default 1)
  --soak-minutes M  soak: length of the load, minutes (default 10)
  --soak-multiplier X
                    soak: offered rate as a multiple of the benchmark's sustained rate (default 10)
  --soak-series N   soak: active series pushed, rounded up to whole instances of 144, raised when the rate needs
                    more than one sample per series and ms (default 30000)
  --soak-base-rate N
                    soak: the sustained rate in samples/s (default: measured first, as the remote-write section does)`;

/**
 * Parses the benchmark's options. @throws Error naming the option and what was expected
 * (repetitions >= 1, warm-ups >= 0, a positive size in MB, a non-negative integer seed, a known section,
 * positive remote-write counts and closed-loop rounds, a positive soak length, multiplier, series and rate).
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
      only: { type: 'string' },
      'rw-series': { type: 'string', default: '30000' },
      'rw-senders': { type: 'string', default: '4' },
      'rw-batch': { type: 'string', default: '2000' },
      'rw-scrapes': { type: 'string', default: '20' },
      'closed-loop-rounds': { type: 'string', default: '1' },
      'soak-minutes': { type: 'string', default: '10' },
      'soak-multiplier': { type: 'string', default: '10' },
      'soak-series': { type: 'string', default: '30000' },
      'soak-base-rate': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.keep === '') throw new Error('--keep: expected a directory, got an empty string');
  const targetMb = positiveOption('--target-mb', values['target-mb'], 'number of MB');
  return {
    keepDir: values.keep ?? null,
    repetitions: integerOption('--repetitions', values.repetitions, 1),
    warmups: integerOption('--warmups', values.warmups, 0),
    targetBytes: targetMb * 1e6,
    seed: integerOption('--seed', values.seed, 0),
    profile: values.profile,
    only: sectionOption(values.only),
    remoteWrite: {
      series: integerOption('--rw-series', values['rw-series'], 1),
      senders: integerOption('--rw-senders', values['rw-senders'], 1),
      samplesPerRequest: integerOption('--rw-batch', values['rw-batch'], 1),
      scrapesPerRound: integerOption('--rw-scrapes', values['rw-scrapes'], 1),
    },
    closedLoopRounds: integerOption('--closed-loop-rounds', values['closed-loop-rounds'], 1),
    soak: {
      minutes: positiveOption('--soak-minutes', values['soak-minutes'], 'number of minutes'),
      multiplier: positiveOption('--soak-multiplier', values['soak-multiplier'], 'multiple'),
      series: integerOption('--soak-series', values['soak-series'], 1),
      baseRate: values['soak-base-rate'] === undefined ? null : positiveOption('--soak-base-rate', values['soak-base-rate'], 'number of samples/s'),
    },
  };
}

function positiveOption(name: string, text: string, what: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0)) throw new Error(`${name}: expected a positive ${what}, got "${text}"`);
  return value;
}

function sectionOption(text: string | undefined): BenchSection | null {
  if (text === undefined) return null;
  const section = BENCH_SECTIONS.find((s) => s === text);
  if (section === undefined) throw new Error(`--only: expected one of ${BENCH_SECTIONS.join(', ')}, got "${text}"`);
  return section;
}

function integerOption(name: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name}: expected an integer >= ${min}, got "${text}"`);
  return value;
}
