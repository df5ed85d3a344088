/**
 * A CPU profile of shiftguard's remote-write receiver: one more `shiftguard serve` under
 * `node --cpu-prof`, fed the given rounds, stopped with SIGTERM (node writes the profile on exit),
 * and summarized by function and file.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarizeCpuProfile } from './cpu-profile-summary.js';
import type { ProfileSummary } from './cpu-profile-summary.js';
import type { LoadRound } from './remote-write-load.js';
import { startShiftguardReceiver } from './remote-write-receivers.js';
import { sendRound } from './remote-write-sender.js';
import { REPO_ROOT } from './tool-runs.js';

/** What the profiled run produced. */
export interface ReceiverProfile {
  readonly path: string;
  readonly summary: ProfileSummary;
  /** Accepted samples per second in each round of the profiled run (the profiler slows it down). */
  readonly samplesPerSecond: readonly number[];
}

/**
 * Starts a profiled receiver in `dir` (emptied first), sends `rounds` in order, stops it and reads
 * the `.cpuprofile`. @throws Error when a request fails or no profile was written.
 */
export async function profileShiftguardReceiver(dir: string, rounds: readonly LoadRound[]): Promise<ReceiverProfile> {
  await rm(dir, { recursive: true, force: true });
  const profileDir = join(dir, 'cpu-profile');
  await mkdir(profileDir, { recursive: true });
  const receiver = await startShiftguardReceiver({ dir, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  const samplesPerSecond: number[] = [];
  try {
    for (const round of rounds) {
      const outcome = await sendRound(receiver.writeUrl, receiver.headers, round);
      if (outcome.okRequests !== outcome.requests) throw new Error(`profiled shiftguard refused ${outcome.requests - outcome.okRequests} request(s); first: ${outcome.firstFailure ?? '?'}`);
      samplesPerSecond.push(outcome.samplesInOkRequests / outcome.wallSeconds);
    }
  } finally {
    await receiver.stop();
  }
  const name = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`node --cpu-prof wrote no .cpuprofile into ${profileDir} (did shiftguard serve exit cleanly on SIGTERM? log: ${receiver.logPath})`);
  const path = join(profileDir, name);
  const summary = summarizeCpuProfile(JSON.parse(await readFile(path, 'utf8')) as unknown, path, pathToFileURL(REPO_ROOT).href);
  return { path, summary, samplesPerSecond };
}
