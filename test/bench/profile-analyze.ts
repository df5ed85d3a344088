/** One extra `shiftguard analyze` run under `node --cpu-prof`, summarized by function and file. */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureProcess } from './measure-process.js';
import { CLI_PATH, REPO_ROOT, analyzeArgs } from './tool-runs.js';
import type { AnalyzeFiles } from './tool-runs.js';
import { summarizeCpuProfile } from './cpu-profile-summary.js';
import type { ProfileSummary } from './cpu-profile-summary.js';

/**
 * Runs the CLI once with `--cpu-prof` writing into `profileDir` (emptied first) and summarizes the
 * profile, locations relative to the repository root. Returns the `.cpuprofile` path too.
 * `intervalUs` is V8's sampling interval (default its own, 1000 µs); a short run needs a finer one
 * for a function of a few milliseconds to be sampled at all on a busy machine.
 * @throws Error when analyze fails or writes no profile.
 */
export async function profileAnalyze(files: AnalyzeFiles, cwd: string, profileDir: string, options: { intervalUs?: number } = {}): Promise<{ path: string; summary: ProfileSummary }> {
  await rm(profileDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const interval = options.intervalUs === undefined ? [] : ['--cpu-prof-interval', String(options.intervalUs)];
  const run = await measureProcess(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, ...interval, CLI_PATH, ...analyzeArgs(files)], { cwd });
  if (run.exitCode !== 0 && run.exitCode !== 3) throw new Error(`profiled analyze failed with exit code ${run.exitCode}:\n${run.stderrTail.trimEnd()}`);
  const name = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`node --cpu-prof wrote no .cpuprofile into ${profileDir}`);
  const path = join(profileDir, name);
  const summary = summarizeCpuProfile(JSON.parse(await readFile(path, 'utf8')) as unknown, path, pathToFileURL(REPO_ROOT).href);
  return { path, summary };
}
