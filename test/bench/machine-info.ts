/** What the benchmark ran on, so figures from different machines are not compared blindly. */
import { execFile } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface MachineInfo {
  /** CPUs this process may use (`os.availableParallelism()`). */
  readonly cores: number;
  readonly cpuModel: string;
  /** Physical memory, bytes. */
  readonly totalMemoryBytes: number;
  readonly kernel: string;
  readonly nodeVersion: string;
  /** First line of `promtool --version`. */
  readonly promtoolVersion: string;
  /** 1-minute load average when the benchmark started (other work competing for the cores). */
  readonly loadAverage1m: number;
}

/** Collects cores, CPU model, memory, kernel, Node version, `promtool --version` (rejects if promtool cannot run) and the load average. */
export async function describeMachine(promtoolPath: string): Promise<MachineInfo> {
  const { stdout, stderr } = await execFileAsync(promtoolPath, ['--version'], { encoding: 'utf8' });
  const versionLine = `${stdout}${stderr}`.split('\n')[0]?.trim() ?? '';
  if (versionLine === '') throw new Error(`${promtoolPath} --version printed nothing`);
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    kernel: release(),
    nodeVersion: process.version,
    promtoolVersion: versionLine,
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

/** One line per fact, for the printed header. */
export function formatMachine(info: MachineInfo): string {
  return [
    `machine: ${info.cores} cores (${info.cpuModel}), ${(info.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Linux ${info.kernel}`,
    `node ${info.nodeVersion}; ${info.promtoolVersion}`,
    `load average (1 min) at start: ${info.loadAverage1m.toFixed(2)}${busyNote(info.loadAverage1m, info.cores)}`,
  ].join('\n');
}

/** A warning when other work already keeps the cores busy, else an empty string. */
export function busyNote(loadAverage1m: number, cores: number): string {
  return loadAverage1m > cores / 2 ? ` (busy machine: other processes compete for the ${cores} cores; trust min over median, rerun when quiet)` : '';
}
