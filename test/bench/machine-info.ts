/** What the benchmark ran on, so figures from different machines are not compared blindly. */
import { execFile } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
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
}

/** Collects cores, CPU model, memory, kernel, Node version and `promtool --version` (rejects if promtool cannot run). */
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
  };
}

/** One line per fact, for the printed header. */
export function formatMachine(info: MachineInfo): string {
  return [
    `machine: ${info.cores} cores (${info.cpuModel}), ${(info.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Linux ${info.kernel}`,
    `node ${info.nodeVersion}; ${info.promtoolVersion}`,
  ].join('\n');
}
