import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { tableAuth, tokenAuth } from './auth.js';
import { envTokenEntries, tokenDigest } from './token-table.js';
import { TokensFileError } from './token-table-file.js';
import { registerTokenFileGauges, watchTokenFile } from './token-table-watch.js';
import type { TokenFileSystem } from './token-table-watch.js';

const T0 = Date.parse('2026-04-10T12:00:00Z');
const line = (name: string, role: string, token: string): string => `- { name: ${name}, role: ${role}, sha256: ${tokenDigest(token).toString('hex')} }`;
const ENV = envTokenEntries({ viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } }, { V: 'env-viewer', O: 'env-operator' }).entries;

/** A file the test rewrites, and a clock it moves. */
function fakeFile(text: string) {
  const state = { text: text as string | null, version: 1, stats: 0, now: T0 };
  const fs: TokenFileSystem = {
    signature: () => {
      state.stats++;
      if (state.text === null) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      return `v${state.version}`;
    },
    readText: () => {
      if (state.text === null) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      return state.text;
    },
  };
  return {
    fs,
    state,
    write: (next: string | null) => {
      state.text = next;
      state.version++;
    },
  };
}

function logger() {
  const lines: { level: 'info' | 'error'; message: string }[] = [];
  return { lines, logger: { info: (_d: object, message: string) => lines.push({ level: 'info', message }), error: (_d: object, message: string) => lines.push({ level: 'error', message }) } };
}

describe('named tokens', () => {
  it('name their holder; env role tokens keep the role as their name; roles add up as before', () => {
    const file = fakeFile([line('alice', 'operator', 'alice-1'), line('alice', 'viewer', 'alice-2'), line('grafana', 'viewer', 'graf')].join('\n'));
    const watch = watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => file.state.now, logger: logger().logger, fs: file.fs });
    const auth = tableAuth(ENV, watch);
    expect(auth.principalOf('alice-1')).toEqual({ name: 'alice', roles: ['operator', 'viewer'], shared: false });
    expect(auth.principalOf('alice-2')).toEqual({ name: 'alice', roles: ['viewer'], shared: false });
    expect(auth.principalOf('graf')).toEqual({ name: 'grafana', roles: ['viewer'], shared: false });
    expect(auth.principalOf('env-operator')).toEqual({ name: 'operator', roles: ['operator', 'viewer'], shared: true });
    expect(auth.principalOf('env-viewer')).toEqual({ name: 'viewer', roles: ['viewer'], shared: true });
    expect(auth.principalOf('alice-1x')).toBeNull();
    expect(auth.rolesOf('nope')).toEqual([]);
    expect(auth.unconfigured).toEqual(['ingest']);
    // Without a file, exactly the env behaviour of before.
    expect(tokenAuth({ viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } }, { V: 't', O: 't' }).principalOf('t')).toEqual({ name: 'operator', roles: ['operator', 'viewer'], shared: true });
  });
});

describe('the tokens file watch', () => {
  it('rotates without a restart: a removed token stops working once a second has passed, a new one starts', () => {
    const file = fakeFile(line('alice', 'operator', 'old'));
    const log = logger();
    const watch = watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => file.state.now, logger: log.logger, fs: file.fs });
    const auth = tableAuth(ENV, watch);
    expect(auth.principalOf('old')?.name).toBe('alice');
    file.write(line('alice', 'operator', 'new'));
    file.state.now += 999;
    expect(auth.principalOf('old')?.name).toBe('alice');
    expect(auth.principalOf('new')).toBeNull();
    file.state.now += 1;
    expect(auth.principalOf('old')).toBeNull();
    expect(auth.principalOf('new')).toEqual({ name: 'alice', roles: ['operator', 'viewer'], shared: false });
    expect(watch.loadedAtMs()).toBe(T0 + 1000);
    expect(log.lines).toEqual([{ level: 'info', message: 'tokens file reloaded' }]);
  });

  it('checks the file at most once per interval, however many requests come', () => {
    const file = fakeFile(line('alice', 'operator', 'a'));
    const watch = watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => file.state.now, logger: logger().logger, fs: file.fs });
    const statsAtStart = file.state.stats;
    for (let i = 0; i < 1500; i++) {
      watch.entries();
      file.state.now += 1;
    }
    expect(file.state.stats - statsAtStart).toBe(1);
  });

  it('keeps the last good table when a new file is bad, logs the error with file:line once, and recovers', () => {
    const file = fakeFile([line('alice', 'operator', 'a'), line('bob', 'operator', 'b')].join('\n'));
    const log = logger();
    const watch = watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => file.state.now, logger: log.logger, fs: file.fs });
    const auth = tableAuth(ENV, watch);
    file.write(`${line('alice', 'operator', 'a')}\n- { name: bob, role: admin, sha256: x }`);
    file.state.now += 1000;
    expect(auth.principalOf('b')?.name).toBe('bob');
    expect(watch.valid()).toBe(false);
    expect(watch.loadedAtMs()).toBe(T0);
    file.state.now += 5000;
    watch.poll();
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(log.lines[0]?.message).toContain('tokens.yaml:2:22: [1].role: expected viewer, operator or ingest, got "admin"');
    expect(log.lines[0]?.message).toContain('tokens.yaml:2:37: [1].sha256');
    expect(log.lines[0]?.message).toContain('stays in use');

    file.write(null);
    file.state.now += 1000;
    expect(auth.principalOf('a')?.name).toBe('alice');
    expect(log.lines.at(-1)?.message).toContain('tokens.yaml: cannot read the tokens file: no such file');

    file.write(line('alice', 'operator', 'a'));
    file.state.now += 1000;
    expect(auth.principalOf('b')).toBeNull();
    expect(watch.valid()).toBe(true);
    expect(watch.loadedAtMs()).toBe(file.state.now);
  });

  it('refuses a file entry holding an env role token (a token has one holder), at start and later', () => {
    const file = fakeFile(line('mallory', 'operator', 'env-viewer'));
    expect(() => watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => T0, logger: logger().logger, fs: file.fs })).toThrow(TokensFileError);
    expect(() => watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => T0, logger: logger().logger, fs: file.fs })).toThrow("tokens.yaml:1:1: [0].sha256: the same token as the viewer role's environment variable: a token has one holder");
  });

  it('shows validity and load time as gauges; a scrape also checks the file', async () => {
    const file = fakeFile(line('alice', 'operator', 'a'));
    const watch = watchTokenFile({ path: 'tokens.yaml', envEntries: ENV, now: () => file.state.now, logger: logger().logger, fs: file.fs });
    const registry = new Registry();
    registerTokenFileGauges(registry, watch);
    expect(await registry.metrics()).toContain('shiftguard_tokens_file_valid 1\n');
    expect(await registry.metrics()).toContain(`shiftguard_tokens_file_loaded_timestamp_seconds ${T0 / 1000}\n`);
    file.write('- {');
    file.state.now += 1000;
    expect(await registry.metrics()).toContain('shiftguard_tokens_file_valid 0\n');
    expect(await registry.metrics()).toContain(`shiftguard_tokens_file_loaded_timestamp_seconds ${T0 / 1000}\n`);
  });
});

describe('the tokens file watch on a real file', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('sees an in-place rewrite and an atomic rename (how ConfigMaps and editors replace files)', () => {
    dir = mkdtempSync(join(tmpdir(), 'shiftguard-tokens-'));
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, line('alice', 'operator', 'a1'));
    let now = T0;
    const auth = tableAuth(ENV, watchTokenFile({ path, envEntries: ENV, now: () => now, logger: logger().logger }));
    expect(auth.principalOf('a1')?.name).toBe('alice');
    writeFileSync(path, line('alice', 'operator', 'a2'));
    now += 1000;
    expect(auth.principalOf('a1')).toBeNull();
    expect(auth.principalOf('a2')?.name).toBe('alice');
    writeFileSync(join(dir, 'next.yaml'), line('bob', 'viewer', 'b1'));
    renameSync(join(dir, 'next.yaml'), path);
    now += 1000;
    expect(auth.principalOf('a2')).toBeNull();
    expect(auth.principalOf('b1')).toEqual({ name: 'bob', roles: ['viewer'], shared: false });
  });
});
