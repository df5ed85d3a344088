/**
 * One extra `shiftguard analyze` run with progress on: each progress line stamped with the seconds
 * since spawn, so a reader sees when start-up ends, when the file is read and when the analysis
 * finishes inside the real (cold) CLI, whatever the progress messages say.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_PATH, analyzeArgs } from './tool-runs.js';
import type { AnalyzeFiles } from './tool-runs.js';

/** A stderr line of the CLI and when it arrived. */
export interface TimelineEntry {
  /** Seconds since the child was spawned. */
  readonly atSeconds: number;
  readonly line: string;
}

/** The stamped progress lines of one run, then its exit. */
export interface AnalyzeTimeline {
  readonly entries: readonly TimelineEntry[];
  readonly exitSeconds: number;
  readonly exitCode: number;
}

/**
 * Runs analyze once without `--quiet` (cwd `cwd`) and stamps every stderr line.
 * @throws Error when it exits with anything but 0 or 3.
 */
export async function analyzeTimeline(files: AnalyzeFiles, cwd: string): Promise<AnalyzeTimeline> {
  const args = analyzeArgs(files).filter((a) => a !== '--quiet');
  const startNs = process.hrtime.bigint();
  const since = (): number => Number(process.hrtime.bigint() - startNs) / 1e9;
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const entries: TimelineEntry[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => entries.push({ atSeconds: since(), line }));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run analyze: ${error.message}`)));
    child.once('close', (code) => resolve(code ?? -1));
  });
  const exitSeconds = since();
  if (exitCode !== 0 && exitCode !== 3) {
    throw new Error(`analyze (timeline run) failed with exit code ${exitCode}:\n${entries.map((e) => e.line).join('\n')}`);
  }
  return { entries, exitSeconds, exitCode };
}

/** One line per entry: seconds since spawn, then the line; the exit last. */
export function formatTimeline(timeline: AnalyzeTimeline): string {
  const stamp = (s: number): string => `${s.toFixed(2).padStart(7)} s`;
  return [...timeline.entries.map((e) => `${stamp(e.atSeconds)}  ${e.line}`), `${stamp(timeline.exitSeconds)}  (exit ${timeline.exitCode})`].join('\n');
}
