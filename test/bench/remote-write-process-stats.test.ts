import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { findPidByArgument, metricValue, parseStatCpuTicks, parseVmRssKib, readProcessStats } from './remote-write-process-stats.js';

describe('parseStatCpuTicks', () => {
  it('adds utime and stime, counting fields after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 6000 0 0 0 731 269 0 0 20 0 11 0 1234 1000000 25000 18446744073709551615';
    expect(parseStatCpuTicks(stat, '/proc/4242/stat')).toBe(1000);
  });

  it('names the source when the line is not a stat line', () => {
    expect(() => parseStatCpuTicks('garbage', '/proc/1/stat')).toThrow('/proc/1/stat: expected a /proc/<pid>/stat line with utime and stime');
  });
});

describe('parseVmRssKib', () => {
  it('reads VmRSS and returns null without it', () => {
    expect(parseVmRssKib('Name:\tnode\nVmHWM:\t  200000 kB\nVmRSS:\t  123456 kB\n')).toBe(123_456);
    expect(parseVmRssKib('Name:\tzombie\n')).toBeNull();
  });
});

describe('readProcessStats', () => {
  it('reads CPU time, RSS and peak RSS of a live process', () => {
    const stats = readProcessStats(process.pid);
    expect(stats.cpuSeconds).toBeGreaterThan(0);
    expect(stats.rssBytes).toBeGreaterThan(1e6);
    expect(stats.peakRssBytes).toBeGreaterThanOrEqual(stats.rssBytes);
  });
});

describe('findPidByArgument', () => {
  it('finds the one process with an argument, and refuses none', async () => {
    const marker = `--bench-marker=${process.pid}-${Date.now()}`;
    // `--` keeps node from reading the marker as an option of its own (it would exit at once: "bad option").
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', marker], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => child.once('spawn', resolve));
    try {
      // 'spawn' comes after fork, possibly before exec: until then /proc shows the parent's command line.
      await vi.waitFor(() => expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toContain(marker), { timeout: 10_000, interval: 20 });
      expect(findPidByArgument(marker)).toBe(child.pid);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(() => findPidByArgument(marker)).toThrow(`expected one process with the argument ${marker}, found 0`);
  });
});

describe('metricValue', () => {
  const exposition = [
    '# HELP shiftguard_samples_ingested_total Samples accepted.',
    '# TYPE shiftguard_samples_ingested_total counter',
    'shiftguard_samples_ingested_total{protocol="remote_write"} 600000',
    'shiftguard_samples_ingested_total{protocol="otlp"} 12',
    'shiftguard_samples_ingested_total_extra 5',
    'shiftguard_active_series 30096',
    'prometheus_tsdb_head_samples_appended_total{type="float"} 1.2e+06',
    'prometheus_tsdb_head_samples_appended_total{type="histogram"} 0',
    'odd{path="a\\"b",x="1"} 7',
  ].join('\n');

  it('sums the samples of a metric whose labels include the filter', () => {
    expect(metricValue(exposition, 'shiftguard_samples_ingested_total', { protocol: 'remote_write' })).toBe(600_000);
    expect(metricValue(exposition, 'shiftguard_samples_ingested_total')).toBe(600_012);
    expect(metricValue(exposition, 'prometheus_tsdb_head_samples_appended_total')).toBe(1_200_000);
    expect(metricValue(exposition, 'shiftguard_active_series')).toBe(30_096);
    expect(metricValue(exposition, 'odd', { path: 'a"b' })).toBe(7);
  });

  it('returns null for a metric or label value that is not there', () => {
    expect(metricValue(exposition, 'shiftguard_samples')).toBeNull();
    expect(metricValue(exposition, 'shiftguard_samples_ingested_total', { protocol: 'none' })).toBeNull();
  });
});
