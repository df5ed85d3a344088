/**
 * The two measured tools on the same file: the compiled `shiftguard analyze` CLI and Prometheus'
 * own backfill, `promtool tsdb create-blocks-from openmetrics`, each run as a child process.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/report/report.js';
import { measureProcess } from './measure-process.js';
import type { ProcessMeasurement } from './measure-process.js';

/** The repository root (two levels above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The compiled CLI entry point that `npx shiftguard` runs. */
export const CLI_PATH = join(REPO_ROOT, 'bin', 'shiftguard.js');

/** Exit codes of `analyze` that mean the analysis ran (CONTRACT §1: 0 no regression, 3 regression). */
const ANALYZE_OK_EXIT_CODES = new Set([0, 3]);

/** Files one analyze run reads and writes. */
export interface AnalyzeFiles {
  readonly upgradePath: string;
  readonly metricsPath: string;
  readonly reportPath: string;
}

/** The argument list of `shiftguard analyze` for the benchmark (JSON report to a file, no progress). */
export function analyzeArgs(files: AnalyzeFiles): string[] {
  return ['analyze', '--upgrade', files.upgradePath, '--metrics', files.metricsPath, '--format', 'json', '--out', files.reportPath, '--quiet'];
}

/**
 * Runs the compiled CLI once with `cwd` as working directory (no `config/shiftguard.yaml` there, so
 * the embedded defaults apply) and returns the measurement and the report's summary.
 * @throws Error with the exit code and stderr tail unless the exit code is 0 or 3.
 */
export async function measureAnalyze(files: AnalyzeFiles, cwd: string): Promise<{ run: ProcessMeasurement; summary: Report['summary'] }> {
  await rm(files.reportPath, { force: true });
  const run = await measureProcess(process.execPath, [CLI_PATH, ...analyzeArgs(files)], { cwd });
  if (!ANALYZE_OK_EXIT_CODES.has(run.exitCode)) throw toolFailure('shiftguard analyze', run);
  const report = JSON.parse(await readFile(files.reportPath, 'utf8')) as Report;
  return { run, summary: report.summary };
}

/**
 * Runs `promtool tsdb create-blocks-from openmetrics metricsPath outDir` once into a fresh `outDir`
 * and returns the measurement and the number of blocks written.
 * @throws Error with the exit code and stderr tail unless promtool exits 0.
 */
export async function measurePromtool(promtoolPath: string, metricsPath: string, outDir: string): Promise<{ run: ProcessMeasurement; blocks: number }> {
  await rm(outDir, { recursive: true, force: true });
  const run = await measureProcess(promtoolPath, ['tsdb', 'create-blocks-from', 'openmetrics', metricsPath, outDir]);
  if (run.exitCode !== 0) throw toolFailure('promtool tsdb create-blocks-from openmetrics', run);
  const blocks = (await readdir(outDir, { withFileTypes: true })).filter((e) => e.isDirectory() && /^[0-9A-Z]{26}$/.test(e.name)).length;
  if (blocks === 0) throw new Error(`promtool exited 0 but wrote no block into ${outDir}`);
  return { run, blocks };
}

/**
 * Runs `shiftguard --help` once: node start-up plus loading every module the CLI imports, the fixed
 * cost paid before analyze reads a byte. @throws Error unless it exits 0.
 */
export async function measureStartup(cwd: string): Promise<ProcessMeasurement> {
  const run = await measureProcess(process.execPath, [CLI_PATH, '--help'], { cwd });
  if (run.exitCode !== 0) throw toolFailure('shiftguard --help', run);
  return run;
}

function toolFailure(tool: string, run: ProcessMeasurement): Error {
  return new Error(`${tool} failed with exit code ${run.exitCode}; its stderr ended with:\n${run.stderrTail.trimEnd()}`);
}
