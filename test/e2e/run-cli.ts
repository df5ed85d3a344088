/**
 * Runs the built `shiftguard` binary (`bin/shiftguard.js`, which loads `dist/`) as a real child
 * process and captures its exit code and output. `npm test` builds `dist/` first (pretest).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Absolute path of the repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of the CLI entry point. */
export const CLI_PATH = fileURLToPath(new URL('../../bin/shiftguard.js', import.meta.url));

/** What one CLI run produced. */
export interface CliResult {
  /** Exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Working directory of the CLI (where it looks for `config/shiftguard.yaml`); default the repository root. */
  readonly cwd?: string;
  /** The child is killed with SIGKILL after this long (a hang guard, not a performance bound), ms; default 120 000. */
  readonly killAfterMs?: number;
  /** Variables added to the cleaned environment (tokens for commands that call the service). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Environment of every run: the caller's, minus variables that would override configuration fields. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('SHIFTGUARD_') || name === 'DATABASE_URL') delete env[name];
  }
  return env;
}

/** Runs `node bin/shiftguard.js …args` and resolves when it exits (stdin closed, output captured). */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...cliEnv(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const guard = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(guard);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** A stack frame line as Node prints them (`    at fn (file.js:12:5)`). */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * Asserts a clean bad-input failure: exit 2, nothing on stdout, no stack trace and no "internal
 * error" on stderr, and every `expected` fragment present in stderr.
 */
export function expectInputError(result: CliResult, expected: readonly (string | RegExp)[]): void {
  const context = `stderr was:\n${result.stderr}`;
  expect(result.code, context).toBe(2);
  expect(result.stdout, context).toBe('');
  expect(result.stderr, context).not.toMatch(STACK_FRAME);
  expect(result.stderr, context).not.toContain('internal error');
  for (const fragment of expected) {
    if (typeof fragment === 'string') expect(result.stderr, context).toContain(fragment);
    else expect(result.stderr, context).toMatch(fragment);
  }
}

/** Asserts that stderr carries no stack trace and no internal error (for runs that must not fail with exit 1). */
export function expectNoCrash(result: CliResult): void {
  expect(result.code, `stderr was:\n${result.stderr}`).not.toBe(1);
  expect(result.stderr).not.toMatch(STACK_FRAME);
  expect(result.stderr).not.toContain('internal error');
}

/** A temporary directory made by {@link makeTempDir}. */
export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it. */
  remove(): void;
}

/** A fresh temporary directory and its remover (call it in `beforeAll`, remove it in `afterAll`). */
export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `shiftguard-e2e-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
