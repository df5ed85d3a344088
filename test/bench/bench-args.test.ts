import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-args.js';

describe('parseBenchArgs', () => {
  it('defaults to a temp dir, 3 runs after 1 warm-up, 40 MB, seed 1, no profile', () => {
    expect(parseBenchArgs([])).toEqual({ keepDir: null, repetitions: 3, warmups: 1, targetBytes: 40e6, seed: 1, profile: false });
  });

  it('reads every option', () => {
    const args = parseBenchArgs(['--keep', '/tmp/b', '--repetitions', '5', '--warmups', '0', '--target-mb', '2.5', '--seed', '7', '--profile']);
    expect(args).toEqual({ keepDir: '/tmp/b', repetitions: 5, warmups: 0, targetBytes: 2.5e6, seed: 7, profile: true });
  });

  it('names the option and what it expected on bad values', () => {
    expect(() => parseBenchArgs(['--repetitions', '0'])).toThrow('--repetitions: expected an integer >= 1, got "0"');
    expect(() => parseBenchArgs(['--repetitions', '2.5'])).toThrow('--repetitions: expected an integer >= 1, got "2.5"');
    expect(() => parseBenchArgs(['--warmups', ''])).toThrow('--warmups: expected an integer >= 0, got ""');
    expect(() => parseBenchArgs(['--target-mb=-1'])).toThrow('--target-mb: expected a positive number of MB, got "-1"');
    expect(() => parseBenchArgs(['--target-mb', '0'])).toThrow('--target-mb: expected a positive number of MB, got "0"');
    expect(() => parseBenchArgs(['--seed', 'x'])).toThrow('--seed: expected an integer >= 0, got "x"');
    expect(() => parseBenchArgs(['--keep', ''])).toThrow('--keep: expected a directory');
  });

  it('refuses unknown options and positionals', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/--fast/);
    expect(() => parseBenchArgs(['file.om'])).toThrow(/file\.om/);
  });
});
