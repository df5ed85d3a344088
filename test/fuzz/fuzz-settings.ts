/**
 * How much and how the fuzz tests run, from the environment: `FUZZ_RUNS` inputs per property (CI
 * default {@link DEFAULT_FUZZ_RUNS}), `FUZZ_SEED` (default fixed, so CI runs are reproducible),
 * `FUZZ_PATH` (replay one counterexample found earlier: fast-check's path), `FUZZ_HANG_MS` (the hang
 * guard per input). {@link checkProperty} runs a property with them and, on failure, says how to
 * reproduce it.
 */
import fc from 'fast-check';

/** Inputs per property when `FUZZ_RUNS` is not set: the whole test/fuzz directory takes 12-25 s on the 2-core project machine. */
export const DEFAULT_FUZZ_RUNS = 150;
/** The seed when `FUZZ_SEED` is not set. */
export const DEFAULT_FUZZ_SEED = 20260406;
/**
 * An input that keeps a decoder busy longer than this fails (`FUZZ_HANG_MS`). A hang guard, not a
 * performance target: inputs are at most a few hundred kilobytes and decode in milliseconds, so 2 s
 * is hundreds of times the normal time and leaves room for a loaded CI machine.
 */
export const DEFAULT_HANG_MS = 2_000;

/** The settings of one fuzz run. */
export interface FuzzSettings {
  readonly runs: number;
  readonly seed: number;
  /** fast-check counterexample path to replay, when given. */
  readonly path: string | undefined;
  readonly hangMs: number;
}

/** Reads the settings from `env`; throws on a malformed value rather than fuzzing something else. */
export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  return {
    runs: positiveInteger(env, 'FUZZ_RUNS', DEFAULT_FUZZ_RUNS),
    seed: integer(env, 'FUZZ_SEED', DEFAULT_FUZZ_SEED),
    path: env.FUZZ_PATH === undefined || env.FUZZ_PATH === '' ? undefined : env.FUZZ_PATH,
    hangMs: positiveInteger(env, 'FUZZ_HANG_MS', DEFAULT_HANG_MS),
  };
}

/** The settings of this process. */
export const FUZZ: FuzzSettings = fuzzSettings();

/** `FUZZ_RUNS` scaled by `share` (for properties that cost more per input), at least 1. */
export function runsFor(share: number, settings: FuzzSettings = FUZZ): number {
  return Math.max(1, Math.round(settings.runs * share));
}

/**
 * A vitest timeout for a test of `runs` inputs: generous, so that only the hang guard judges speed, and
 * long enough for fast-check to shrink a hanging input (each hanging candidate costs the guard, the
 * slack and a new sandbox: 80 of them fit), so that the report names a small counterexample.
 */
export function fuzzTimeoutMs(runs: number, settings: FuzzSettings = FUZZ): number {
  return 120_000 + runs * 50 + 80 * (settings.hangMs + 2_500);
}

/**
 * One line for the log after a fuzz file: the settings it ran with (to reproduce it) and its slowest
 * input (how close it came to the hang guard).
 */
export function runSummary(file: string, slowest: { readonly target: string; readonly elapsedMs: number; readonly bytes: number }, settings: FuzzSettings = FUZZ): string {
  const slow = slowest.target === '' ? 'no input' : `${slowest.target}, ${Math.round(slowest.elapsedMs)} ms for ${slowest.bytes} bytes`;
  return `fuzz ${file}: FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.runs}; slowest input: ${slow} (hang guard ${settings.hangMs} ms)`;
}

/**
 * Runs `property` for `runs` inputs with the configured seed (or replays `FUZZ_PATH`). On failure it
 * throws fast-check's report (counterexample, shrunk) preceded by the seed, the path and the command
 * that reproduces it.
 */
export async function checkProperty<T>(name: string, property: fc.IAsyncProperty<T>, runs: number, settings: FuzzSettings = FUZZ): Promise<void> {
  const details = await fc.check(property, {
    numRuns: runs,
    seed: settings.seed,
    ...(settings.path === undefined ? {} : { path: settings.path, endOnFailure: true }),
  });
  if (!details.failed) return;
  const path = details.counterexamplePath ?? '';
  const reproduce = `FUZZ_SEED=${details.seed} FUZZ_PATH=${path} npx vitest run test/fuzz -t '${name}'`;
  const report = fc.defaultReportMessage(details) ?? 'property failed';
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`fuzz property "${name}" failed (seed ${details.seed}, path ${path}); reproduce with\n  ${reproduce}\n${report}\nThe failure: ${error}`, { cause: details.errorInstance });
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = integer(env, name, fallback);
  if (value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(env[name])}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}
