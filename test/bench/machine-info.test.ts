import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { busyNote, describeMachine, formatMachine } from './machine-info.js';

const PROMTOOL = process.env['PROMTOOL'] ?? '/usr/bin/promtool';

describe('busyNote', () => {
  it('warns only when the load average exceeds half the cores', () => {
    expect(busyNote(1, 2)).toBe('');
    expect(busyNote(1.5, 2)).toContain('busy machine');
    expect(busyNote(1.5, 2)).toContain('2 cores');
  });
});

describe('formatMachine', () => {
  it('prints cores, memory, node and promtool versions and the load', () => {
    const text = formatMachine({
      cores: 2,
      cpuModel: 'AMD EPYC',
      totalMemoryBytes: 8 * 2 ** 30,
      kernel: '6.1.0',
      nodeVersion: 'v20.20.2',
      promtoolVersion: 'promtool, version 2.42.0',
      loadAverage1m: 0.25,
    });
    expect(text.split('\n')).toEqual([
      'machine: 2 cores (AMD EPYC), 8.0 GiB RAM, Linux 6.1.0',
      'node v20.20.2; promtool, version 2.42.0',
      'load average (1 min) at start: 0.25',
    ]);
  });
});

describe('describeMachine', () => {
  it.skipIf(!existsSync(PROMTOOL))('reads the promtool version and this machine', async () => {
    const info = await describeMachine(PROMTOOL);
    expect(info.promtoolVersion).toMatch(/^promtool, version \d+\.\d+/);
    expect(info.cores).toBeGreaterThanOrEqual(1);
    expect(info.nodeVersion).toBe(process.version);
  });

  it('rejects when promtool cannot run', async () => {
    await expect(describeMachine('/nonexistent/promtool')).rejects.toThrow(/ENOENT/);
  });
});
