/**
 * What the remote-write benchmark reads about a running receiver: CPU time and memory from Linux'
 * `/proc/<pid>/stat` and `/proc/<pid>/status`, and single values from its Prometheus text
 * exposition (`/metrics`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseVmHwmKib } from './measure-process.js';

/** CPU time and memory of a process at one moment. */
export interface ProcessStats {
  /** User plus system CPU time since the process started, seconds. */
  readonly cpuSeconds: number;
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size so far, bytes. */
  readonly peakRssBytes: number;
}

/**
 * User plus system CPU time in clock ticks from a `/proc/<pid>/stat` line (fields 14 and 15, counted
 * after the parenthesised command name, which may itself contain spaces and parentheses).
 * @throws Error naming `source` when the line does not have them.
 */
export function parseStatCpuTicks(stat: string, source: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const user = Number(rest[14 - 3]);
  const system = Number(rest[15 - 3]);
  if (!stat.includes(')') || !Number.isInteger(user) || !Number.isInteger(system)) throw new Error(`${source}: expected a /proc/<pid>/stat line with utime and stime, got ${JSON.stringify(stat.slice(0, 200))}`);
  return user + system;
}

/** The `VmRSS` (resident set size now) of a `/proc/<pid>/status` text, KiB; `null` when absent. */
export function parseVmRssKib(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? null : Number(match[1]);
}

let clockTicksPerSecond: number | undefined;

/** `getconf CLK_TCK` (the unit of `/proc/<pid>/stat` times), read once; 100 when getconf cannot tell. */
function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicksPerSecond = ticks > 0 ? ticks : 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** Reads the CPU time and memory of `pid`. @throws Error when the process is gone or `/proc` is not Linux'. */
export function readProcessStats(pid: number): ProcessStats {
  const statPath = `/proc/${pid}/stat`;
  const statusPath = `/proc/${pid}/status`;
  const ticks = parseStatCpuTicks(readFileSync(statPath, 'utf8'), statPath);
  const status = readFileSync(statusPath, 'utf8');
  const rssKib = parseVmRssKib(status);
  const peakKib = parseVmHwmKib(status);
  if (rssKib === null || peakKib === null) throw new Error(`${statusPath}: expected VmRSS and VmHWM lines (has process ${pid} exited?)`);
  return { cpuSeconds: ticks / clockTicks(), rssBytes: rssKib * 1024, peakRssBytes: peakKib * 1024 };
}

/**
 * The process whose command line has `argument` among its arguments (e.g. a unique
 * `--storage.tsdb.path=…`), for children started by code that does not expose their pid.
 * @throws Error when no process or more than one has it.
 */
export function findPidByArgument(argument: string): number {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(argument)) found.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  if (found.length !== 1) throw new Error(`expected one process with the argument ${argument}, found ${found.length} (${found.join(', ')})`);
  return found[0] ?? 0;
}

/**
 * The sum of the values of every sample of metric `name` in a Prometheus text exposition whose
 * labels include all of `labels` (`{}`: every sample of the metric); `null` when there is none.
 */
export function metricValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | null {
  let sum: number | null = null;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const pairs = parseLabels(match[2] ?? '');
    if (!Object.entries(labels).every(([k, v]) => pairs.get(k) === v)) continue;
    sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

function parseLabels(block: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const m of block.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) pairs.set(m[1] ?? '', (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
  return pairs;
}
