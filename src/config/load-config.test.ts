import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig, parseConfig } from './load-config.js';
import { defaultConfig } from './shiftguard-config.js';
import { configError } from '../../test/support/config-error.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): string => join(repoRoot, 'test/fixtures/config', name);


describe('loadConfig', () => {
  it('loads config/shiftguard.yaml to exactly the embedded defaults', () => {
    expect(loadConfig({ path: join(repoRoot, 'config/shiftguard.yaml'), env: {} })).toEqual(defaultConfig());
    expect(loadConfig({ cwd: repoRoot, env: {} })).toEqual(defaultConfig());
  });

  it('uses the embedded defaults when there is no config/shiftguard.yaml under cwd', () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'shiftguard-config-'));
    onTestFinished(() => rmSync(emptyDir, { recursive: true, force: true }));
    expect(loadConfig({ cwd: emptyDir, env: {} })).toEqual(defaultConfig());
  });

  it('reads config/shiftguard.yaml under cwd and names it relative in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shiftguard-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config/shiftguard.yaml'), 'alpha: 0.02\nlabels:\n  instanse: host\n');
    const error = configError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.file).toBe('config/shiftguard.yaml');
    expect(error.message).toContain('config/shiftguard.yaml:3:3: labels.instanse: unknown key "instanse"; expected one of: instance, service');
  });

  it('parses a customised file, with durations in ms', () => {
    const config = loadConfig({ path: fixture('custom.yaml'), env: {} });
    expect(config.server.listen).toBe('[::1]:9090');
    expect(config.prometheus).toEqual({ url: 'http://prometheus:9090', timeoutMs: 90_000 });
    expect(config.buildInfo).toBeNull();
    expect(config.windows).toEqual({ baselineMs: 10_800_000, afterMs: 2_700_000, settleMs: 0, sliceMs: 30_000 });
    expect(config.alpha).toBe(0.05);
    expect(config.signals).toEqual([
      { name: 'rpc-latency', type: 'latency', metric: 'rpc_duration_seconds', by: ['service'], quantiles: [0.99], minRelativeChange: 0.1, minAbsoluteChange: 0 },
    ]);
    expect(config.detection).toEqual({ bootstrapResamples: 400, seed: 42, minSlices: 5, minTailEvents: 10, minRatioEvents: 10 });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ path: fixture('custom.yaml'), env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.windows)).toBe(true);
    expect(Object.isFrozen(config.signals[0]?.by)).toBe(true);
  });

  it('lists every bad field with file:line:column, path and expectation', () => {
    const path = fixture('bad-fields.yaml');
    const error = configError(() => loadConfig({ path, env: {} }));
    expect(error.code).toBe('invalid_config');
    expect(error.file).toBe(path);
    expect(error.message.split('\n').slice(1)).toEqual([
      `${path}:3:3: server.listn: unknown key "listn"; expected one of: listen, tokens, tokensFile`,
      `${path}:5:13: windows.baseline: expected a duration such as 90s, 5m, 2h or 1h30m, got 90 (a number needs a unit, e.g. 90s)`,
      `${path}:6:8: alpha: expected a number in (0, 0.5], got 0`,
      `${path}:12:22: signals[0].quantiles[1]: expected a number in (0, 1), got 1.5`,
      `${path}:15:11: signals[1].type: expected type latency or ratio, got "retry"`,
    ]);
    expect(error.issues[3]).toEqual({ path: 'signals[0].quantiles[1]', line: 12, column: 22, message: 'expected a number in (0, 1), got 1.5' });
  });

  it('reports YAML syntax errors with line and column', () => {
    const error = configError(() => loadConfig({ path: fixture('syntax-error.yaml'), env: {} }));
    expect(error.issues[0]).toMatchObject({ path: '', line: 2, column: 11 });
    expect(error.issues[0]?.message).toMatch(/^invalid YAML: /);
  });

  it('refuses a missing explicit file', () => {
    const error = configError(() => loadConfig({ path: '/nonexistent/shiftguard.yaml', env: {} }));
    expect(error.message).toBe(
      'invalid configuration /nonexistent/shiftguard.yaml (1 problem):\n/nonexistent/shiftguard.yaml: cannot read the configuration file: no such file',
    );
  });
});

describe('parseConfig environment overrides', () => {
  it('SHIFTGUARD_LISTEN and DATABASE_URL override the file', () => {
    const env = { SHIFTGUARD_LISTEN: '0.0.0.0:9000', DATABASE_URL: 'postgres://shiftguard@db/shiftguard' };
    const config = parseConfig('server:\n  listen: 127.0.0.1:1\n', 'c.yaml', { env });
    expect(config.server.listen).toBe('0.0.0.0:9000');
    expect(config.store.url).toBe('postgres://shiftguard@db/shiftguard');
  });

  it('SHIFTGUARD_TOKENS_FILE overrides server.tokensFile (default null)', () => {
    expect(parseConfig('', null, { env: {} }).server.tokensFile).toBeNull();
    expect(parseConfig('server:\n  tokensFile: ./a.yaml\n', 'c.yaml', { env: {} }).server.tokensFile).toBe('./a.yaml');
    expect(parseConfig('server:\n  tokensFile: ./a.yaml\n', 'c.yaml', { env: { SHIFTGUARD_TOKENS_FILE: '/etc/shiftguard/tokens.yaml' } }).server.tokensFile).toBe('/etc/shiftguard/tokens.yaml');
    expect(parseConfig('', null, { env: { SHIFTGUARD_TOKENS_FILE: '' } }).server.tokensFile).toBeNull();
    const error = configError(() => parseConfig('', null, { env: { SHIFTGUARD_TOKENS_FILE: ' padded ' } }));
    expect(error.issues).toEqual([{ path: 'server.tokensFile', source: 'env SHIFTGUARD_TOKENS_FILE', message: 'expected a file path, got " padded "' }]);
  });

  it('ignores empty variables', () => {
    expect(parseConfig('', null, { env: { SHIFTGUARD_LISTEN: '' } }).server.listen).toBe('127.0.0.1:8080');
  });

  it('validates overridden values and names the variable', () => {
    const error = configError(() => parseConfig('', null, { env: { DATABASE_URL: 'mysql://db' } }));
    expect(error.issues).toEqual([
      { path: 'store.url', source: 'env DATABASE_URL', message: 'expected sqlite:<path> or postgres://…, got "mysql://db"' },
    ]);
    expect(error.message).toContain('env DATABASE_URL: store.url: expected sqlite:<path> or postgres://…, got "mysql://db"');
  });
});

describe('parseConfig field rules', () => {
  const issuesOf = (text: string) => configError(() => parseConfig(text, 'c.yaml', { env: {} })).issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);

  it('an empty document means all defaults', () => {
    expect(parseConfig('# nothing\n', 'c.yaml', { env: {} })).toEqual(defaultConfig());
  });

  it('rejects a slice longer than the windows', () => {
    expect(issuesOf('windows:\n  after: 30s\n  slice: 1m\n')).toEqual([
      '3:10 windows.slice: expected a slice no longer than baseline and after (30s), got 1m',
    ]);
  });

  it('rejects duplicate signal names at the second name', () => {
    const text = 'signals:\n  - { name: a, type: ratio, numerator: x_total, denominator: y_total, by: [], minRelativeChange: 0 }\n  - { name: a, type: ratio, numerator: x_total, denominator: y_total, by: [], minRelativeChange: 0 }\n';
    expect(issuesOf(text)).toEqual(['3:13 signals[1].name: duplicate signal name "a" (also signals[0].name)']);
  });

  it('reports missing required signal fields at the signal', () => {
    expect(issuesOf('signals:\n  - name: l\n    type: latency\n    by: []\n    quantiles: [0.5]\n')).toEqual([
      '2:5 signals[0].metric: missing; expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:.]*)',
      '2:5 signals[0].minRelativeChange: missing; expected a number ≥ 0',
    ]);
  });

  it('rejects unknown keys inside a signal, naming the allowed ones', () => {
    const text = 'signals:\n  - { name: r, type: ratio, numerator: a_total, denominator: b_total, by: [], minRelativeChange: 0, quantiles: [0.5] }\n';
    expect(issuesOf(text)).toEqual([
      '2:101 signals[0].quantiles: unknown key "quantiles"; expected one of: name, type, numerator, denominator, by, minRelativeChange, minAbsoluteChange',
    ]);
  });

  it('rejects durations below their minimum', () => {
    expect(issuesOf('windows:\n  slice: 500ms\n  after: 0\n')).toEqual([
      '2:10 windows.slice: expected a duration of at least 1s, got "500ms"',
      '3:10 windows.after: expected a duration of at least 1ms, got 0',
    ]);
  });

  it('rejects bad listen addresses, URLs, token variables and an empty signal list', () => {
    const text = 'server:\n  listen: localhost\n  tokens:\n    viewer: { env: "1BAD" }\nprometheus:\n  url: ftp://x\nsignals: []\n';
    expect(issuesOf(text)).toEqual([
      '2:11 server.listen: expected host:port, e.g. 127.0.0.1:8080, got "localhost"',
      '4:20 server.tokens.viewer.env: expected an environment variable name, got "1BAD"',
      '6:8 prometheus.url: expected an http(s) URL or null, got "ftp://x"',
      '7:10 signals: expected at least one signal, got a list',
    ]);
  });
});
