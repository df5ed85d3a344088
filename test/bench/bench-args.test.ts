import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-args.js';

describe('parseBenchArgs', () => {
  const remoteWrite = { series: 30_000, senders: 4, samplesPerRequest: 2000, scrapesPerRound: 20 };

  it('defaults to every section, a temp dir, 3 runs after 1 warm-up, 40 MB, seed 1, no profile', () => {
    expect(parseBenchArgs([])).toEqual({ keepDir: null, repetitions: 3, warmups: 1, targetBytes: 40e6, seed: 1, profile: false, only: null, remoteWrite, closedLoopRounds: 1 });
  });

  it('reads every option', () => {
    const args = parseBenchArgs(['--keep', '/tmp/b', '--repetitions', '5', '--warmups', '0', '--target-mb', '2.5', '--seed', '7', '--profile']);
    expect(args).toEqual({ keepDir: '/tmp/b', repetitions: 5, warmups: 0, targetBytes: 2.5e6, seed: 7, profile: true, only: null, remoteWrite, closedLoopRounds: 1 });
  });

  it('reads the section and the remote-write load', () => {
    const args = parseBenchArgs(['--only', 'remote-write', '--rw-series', '10000', '--rw-senders', '2', '--rw-batch', '500', '--rw-scrapes', '5']);
    expect(args.only).toBe('remote-write');
    expect(args.remoteWrite).toEqual({ series: 10_000, senders: 2, samplesPerRequest: 500, scrapesPerRound: 5 });
    expect(parseBenchArgs(['--only=analyze']).only).toBe('analyze');
  });

  it('reads the closed-loop section and its rounds', () => {
    const args = parseBenchArgs(['--only', 'closed-loop', '--closed-loop-rounds', '3']);
    expect(args.only).toBe('closed-loop');
    expect(args.closedLoopRounds).toBe(3);
  });

  it('names the option and what it expected on bad values', () => {
    expect(() => parseBenchArgs(['--repetitions', '0'])).toThrow('--repetitions: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--repetitions', '2.5'])).toThrow('--repetitions: expected an integer >= 1, got "2.5"');
    expect(() => parseBenchArgs(['--warmups', ''])).toThrow('--warmups: expected an integer >= 0, got ""');
    expect(() => parseBenchArgs(['--target-mb=-1'])).toThrow('--target-mb: expected a positive number of MB, got "-1"');
    expect(() => parseBenchArgs(['--target-mb', '0'])).toThrow('--target-mb: expected a positive number of MB, got "0"');
    expect(() => parseBenchArgs(['--seed', 'x'])).toThrow('--seed: expected an integer >= 0, got "x"');
    expect(() => parseBenchArgs(['--keep', ''])).toThrow('--keep: expected a directory');
    expect(() => parseBenchArgs(['--only', 'ingest'])).toThrow('--only: expected one of analyze, remote-write, closed-loop, got "ingest"');
    expect(() => parseBenchArgs(['--closed-loop-rounds', '0'])).toThrow('--closed-loop-rounds: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--rw-senders', '0'])).toThrow('--rw-senders: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--rw-batch', '1e3'])).toThrow('--rw-batch: expected an integer >= 1, got "1e3"');
  });

  it('refuses unknown options and positionals', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/--fast/);
    expect(() => parseBenchArgs(['file.om'])).toThrow(/file\.om/);
  });
});
