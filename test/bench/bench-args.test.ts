import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-args.js';

describe('parseBenchArgs', () => {
  const remoteWrite = { series: 30_000, senders: 4, samplesPerRequest: 2000, scrapesPerRound: 20 };
  const soak = { minutes: 10, multiplier: 10, series: 30_000, baseRate: null };

  it('defaults to every section, a temp dir, 3 runs after 1 warm-up, 40 MB, seed 1, no profile', () => {
    expect(parseBenchArgs([])).toEqual({ keepDir: null, repetitions: 3, warmups: 1, targetBytes: 40e6, seed: 1, profile: false, only: null, remoteWrite, closedLoopRounds: 1, soak });
  });

  it('reads every option', () => {
    const args = parseBenchArgs(['--keep', '/tmp/b', '--repetitions', '5', '--warmups', '0', '--target-mb', '2.5', '--seed', '7', '--profile']);
    expect(args).toEqual({ keepDir: '/tmp/b', repetitions: 5, warmups: 0, targetBytes: 2.5e6, seed: 7, profile: true, only: null, remoteWrite, closedLoopRounds: 1, soak });
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

  it('reads the soak section, its length, multiplier, fleet and base rate', () => {
    const args = parseBenchArgs(['--only', 'soak', '--soak-minutes', '0.5', '--soak-multiplier', '2.5', '--soak-series', '5000', '--soak-base-rate', '818455']);
    expect(args.only).toBe('soak');
    expect(args.soak).toEqual({ minutes: 0.5, multiplier: 2.5, series: 5000, baseRate: 818_455 });
  });

  it('names the option and what it expected on bad values', () => {
    expect(() => parseBenchArgs(['--repetitions', '0'])).toThrow('--repetitions: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--repetitions', '2.5'])).toThrow('--repetitions: expected an integer >= 1, got "2.5"');
    expect(() => parseBenchArgs(['--warmups', ''])).toThrow('--warmups: expected an integer >= 0, got ""');
    expect(() => parseBenchArgs(['--target-mb=-1'])).toThrow('--target-mb: expected a positive number of MB, got "-1"');
    expect(() => parseBenchArgs(['--target-mb', '0'])).toThrow('--target-mb: expected a positive number of MB, got "0"');
    expect(() => parseBenchArgs(['--seed', 'x'])).toThrow('--seed: expected an integer >= 0, got "x"');
    expect(() => parseBenchArgs(['--keep', ''])).toThrow('--keep: expected a directory');
    expect(() => parseBenchArgs(['--only', 'ingest'])).toThrow('--only: expected one of analyze, remote-write, closed-loop, soak, got "ingest"');
    expect(() => parseBenchArgs(['--soak-minutes', '0'])).toThrow('--soak-minutes: expected a positive number of minutes, got "0"');
    expect(() => parseBenchArgs(['--soak-multiplier', 'x10'])).toThrow('--soak-multiplier: expected a positive multiple, got "x10"');
    expect(() => parseBenchArgs(['--soak-base-rate=-5'])).toThrow('--soak-base-rate: expected a positive number of samples/s, got "-5"');
    expect(() => parseBenchArgs(['--closed-loop-rounds', '0'])).toThrow('--closed-loop-rounds: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--rw-senders', '0'])).toThrow('--rw-senders: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--rw-batch', '1e3'])).toThrow('--rw-batch: expected an integer >= 1, got "1e3"');
  });

  it('refuses unknown options and positionals', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/--fast/);
    expect(() => parseBenchArgs(['file.om'])).toThrow(/file\.om/);
  });
});
