/**
 * Runs one child process and measures its wall time and peak resident memory: with GNU time
 * (`/usr/bin/time -f '%e %M %U %S'`, CPU time too) when it is installed, else by polling the child's `VmHWM` in
 * `/proc/<pid>/status` (Linux only; growth in the last poll interval before exit can be missed).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where GNU time lives on Debian (package `time`). */
export const GNU_TIME_PATH = '/usr/bin/time';

/** How the peak memory was measured. */
export type MeasureMethod = 'gnu-time' | 'proc-vmhwm';

/** What one measured run produced. */
export interface ProcessMeasurement {
  /** Elapsed wall time, seconds (GNU time: 10 ms resolution). */
  readonly wallSeconds: number;
  /** Peak resident set size of the child, bytes. */
  readonly peakRssBytes: number;
  /** User plus system CPU time of the child, seconds; `null` when measured without GNU time. */
  readonly cpuSeconds: number | null;
  /** Exit code of the child (128 + signal number when it was killed). */
  readonly exitCode: number;
  /** The last few KB the child wrote to stderr, for failure messages. */
  readonly stderrTail: string;
  readonly method: MeasureMethod;
}

/** Options of {@link measureProcess}. */
export interface MeasureOptions {
  readonly cwd?: string;
  /** GNU time binary, or `null` to force `/proc` polling; default {@link GNU_TIME_PATH} when it exists. */
  readonly gnuTimePath?: string | null;
  /** Poll interval of the `/proc` fallback, ms; default 10. */
  readonly pollIntervalMs?: number;
}

const STDERR_TAIL_CHARS = 4096;

/**
 * Runs `command args` to completion and returns its wall time (seconds), peak RSS (bytes) and exit
 * code. Rejects only when the process cannot be started at all; a non-zero exit is returned.
 */
export async function measureProcess(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<ProcessMeasurement> {
  const gnuTime = options.gnuTimePath === undefined ? (existsSync(GNU_TIME_PATH) ? GNU_TIME_PATH : null) : options.gnuTimePath;
  if (gnuTime !== null) return measureWithGnuTime(gnuTime, command, args, options.cwd);
  return measureWithProcPolling(command, args, options.cwd, options.pollIntervalMs ?? 10);
}

/** The GNU time format used: elapsed wall seconds, max RSS KiB, user CPU seconds, system CPU seconds. */
export const GNU_TIME_FORMAT = '%e %M %U %S';

/** What GNU time reported for one run. */
export interface GnuTimeFigures {
  readonly wallSeconds: number;
  readonly peakRssKib: number;
  readonly cpuSeconds: number;
}

/**
 * Parses the {@link GNU_TIME_FORMAT} line of GNU time's output (its last line; a line such as
 * "Command exited with non-zero status 3" may precede it).
 * @throws Error naming `source` when the last line is not four numbers.
 */
export function parseGnuTimeOutput(text: string, source: string): GnuTimeFigures {
  const lines = text.trim().split('\n');
  const last = (lines[lines.length - 1] ?? '').trim();
  const match = /^(\d+(?:\.\d+)?) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(last);
  if (match === null) throw new Error(`${source}: expected GNU time output "<elapsed s> <max RSS KiB> <user s> <system s>", got ${JSON.stringify(last)}`);
  return { wallSeconds: Number(match[1]), peakRssKib: Number(match[2]), cpuSeconds: Number(match[3]) + Number(match[4]) };
}

/** The `VmHWM` (peak RSS) of a `/proc/<pid>/status` text, KiB; `null` when absent (e.g. a zombie). */
export function parseVmHwmKib(status: string): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? null : Number(match[1]);
}

async function measureWithGnuTime(gnuTime: string, command: string, args: readonly string[], cwd: string | undefined): Promise<ProcessMeasurement> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'time.txt');
  try {
    const { exitCode, stderrTail } = await runChild(gnuTime, ['-o', timeFile, '-f', GNU_TIME_FORMAT, command, ...args], cwd, () => undefined);
    const { wallSeconds, peakRssKib, cpuSeconds } = parseGnuTimeOutput(await readFile(timeFile, 'utf8'), timeFile);
    return { wallSeconds, peakRssBytes: peakRssKib * 1024, cpuSeconds, exitCode, stderrTail, method: 'gnu-time' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureWithProcPolling(command: string, args: readonly string[], cwd: string | undefined, pollIntervalMs: number): Promise<ProcessMeasurement> {
  let peakKib = 0;
  let timer: NodeJS.Timeout | undefined;
  const startNs = process.hrtime.bigint();
  const { exitCode, stderrTail } = await runChild(command, args, cwd, (pid) => {
    const poll = (): void => {
      peakKib = Math.max(peakKib, readVmHwmKib(pid) ?? 0);
    };
    poll();
    timer = setInterval(poll, pollIntervalMs);
  }).finally(() => clearInterval(timer));
  const wallSeconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return { wallSeconds, peakRssBytes: peakKib * 1024, cpuSeconds: null, exitCode, stderrTail, method: 'proc-vmhwm' };
}

function readVmHwmKib(pid: number): number | null {
  try {
    return parseVmHwmKib(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** Spawns the child (stdout discarded, stderr tail kept) and resolves with its exit code. */
function runChild(
  command: string,
  args: readonly string[],
  cwd: string | undefined,
  onSpawn: (pid: number) => void,
): Promise<{ exitCode: number; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderrTail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) onSpawn(child.pid);
    });
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code, signal) => {
      resolve({ exitCode: code ?? 128 + signalNumber(signal), stderrTail });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
