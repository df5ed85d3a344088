/**
 * The CLI's exit codes, its usage error, and the mapping of every error family to an exit code
 * and a message (bad input names the place and what was expected; internal errors keep the stack).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../config/input-error.js';
import { MetricsInputError } from '../ingest/metrics-input-error.js';
import { PrometheusQueryError } from '../ingest/prometheus-query-error.js';

/** `analyze` exit codes (CONTRACT §1). */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_REGRESSION = 3;

/** Bad command-line usage: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Fails fast (exit 2) when `--out` names a file whose directory does not exist or is not a
 * directory, before any long work runs.
 */
export async function assertWritableTarget(path: string, flag = '--out'): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
    await access(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${path}: cannot write there (${code === 'ENOENT' ? `directory ${dir} does not exist` : (code ?? String(error))})`);
  }
}

/** What the CLI writes to; injected so tests can capture it. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** What commands that read input (`token hash`) read; default the process's stdin. */
  readonly stdin?: AsyncIterable<Buffer | string>;
}

/** Prints `error` to stderr and returns the exit code it maps to. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr.write(`shiftguard: ${error.message}\nRun 'shiftguard --help' for usage.\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof InputError || error instanceof MetricsInputError || error instanceof PrometheusQueryError) {
    io.stderr.write(`shiftguard: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`shiftguard: internal error: ${text}\n`);
  return EXIT_INTERNAL;
}

/** A progress printer to stderr: on a terminal it rewrites one line, elsewhere it prints lines. */
export function progressPrinter(io: CliIo, quiet: boolean): (message: string) => void {
  if (quiet) return () => undefined;
  return (message) => {
    io.stderr.write(`shiftguard: ${message}\n`);
  };
}

/** Resolves at the first SIGTERM or SIGINT, or after `timeoutMs` when given (long-running commands). */
export function untilTerminated(timeoutMs: number | null = null): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = timeoutMs === null ? null : setTimeout(() => stop(), timeoutMs);
    timer?.unref();
    function stop(): void {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      if (timer !== null) clearTimeout(timer);
      resolve();
    }
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
