import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GNU_TIME_PATH, measureProcess, parseGnuTimeOutput, parseVmHwmKib } from './measure-process.js';

/** A child that fills 160 MB, holds it for 300 ms (so polling sees it), writes to stderr and exits with `code`. */
function allocatingChild(code: number): string[] {
  const script = `const b = Buffer.alloc(160e6, 1); process.stderr.write('held ' + b.length + '\\n'); setTimeout(() => process.exit(${code}), 300);`;
  return ['-e', script];
}

describe('parseGnuTimeOutput', () => {
  it('reads wall seconds, max RSS KiB and user + system CPU seconds from the last line', () => {
    expect(parseGnuTimeOutput('1.96 167344 1.50 0.25\n', 't')).toEqual({ wallSeconds: 1.96, peakRssKib: 167344, cpuSeconds: 1.75 });
    expect(parseGnuTimeOutput('Command exited with non-zero status 3\n0.50 1024 0.40 0.10\n', 't').peakRssKib).toBe(1024);
  });

  it('names the source and shows the line it could not read', () => {
    expect(() => parseGnuTimeOutput('Command terminated by signal 9\n', 'time.txt')).toThrow('time.txt: expected GNU time output');
    expect(() => parseGnuTimeOutput('', 'time.txt')).toThrow('got ""');
  });
});

describe('parseVmHwmKib', () => {
  it('finds VmHWM in a /proc status text, or null without it', () => {
    expect(parseVmHwmKib('Name:\tnode\nVmPeak:\t  900000 kB\nVmHWM:\t  171234 kB\nVmRSS:\t 100 kB\n')).toBe(171234);
    expect(parseVmHwmKib('Name:\tnode\nState:\tZ (zombie)\n')).toBeNull();
  });
});

describe.each([
  { method: 'gnu-time', gnuTimePath: GNU_TIME_PATH, skip: !existsSync(GNU_TIME_PATH) },
  { method: 'proc-vmhwm', gnuTimePath: null, skip: !existsSync('/proc/self/status') },
])('measureProcess via $method', ({ method, gnuTimePath, skip }) => {
  it.skipIf(skip)('reports the child peak RSS, exit code and stderr tail', async () => {
    const run = await measureProcess(process.execPath, allocatingChild(7), { gnuTimePath });
    expect(run.method).toBe(method);
    expect(run.exitCode).toBe(7);
    expect(run.peakRssBytes).toBeGreaterThanOrEqual(160e6);
    expect(run.peakRssBytes).toBeLessThan(2e9);
    expect(run.wallSeconds).toBeGreaterThan(0);
    expect(run.stderrTail).toContain('held 160000000');
    if (method === 'gnu-time') expect(run.cpuSeconds).toBeGreaterThan(0);
    else expect(run.cpuSeconds).toBeNull();
  });

  it.skipIf(skip)('tells a small child from a big one', async () => {
    const small = await measureProcess(process.execPath, ['-e', '0'], { gnuTimePath });
    expect(small.exitCode).toBe(0);
    expect(small.peakRssBytes).toBeGreaterThan(0);
    expect(small.peakRssBytes).toBeLessThan(160e6);
  });
});

describe('measureProcess failures', () => {
  it('rejects, naming the command, when it cannot be started', async () => {
    await expect(measureProcess('/nonexistent/tool', [], { gnuTimePath: null })).rejects.toThrow('cannot run /nonexistent/tool');
  });

  it.skipIf(!existsSync(GNU_TIME_PATH))('returns GNU time\'s 127 when the command does not exist', async () => {
    const run = await measureProcess('/nonexistent/tool', []);
    expect(run.exitCode).toBe(127);
  });
});
