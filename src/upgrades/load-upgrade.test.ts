import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadUpgrade, parseUpgrade, validateUpgrade } from './load-upgrade.js';
import { binaryChangeOf } from './upgrade.js';
import { UpgradeInputError } from './upgrade-input-error.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/upgrades/', import.meta.url));
const T0 = Date.UTC(2026, 3, 10, 12);

function inputError(run: () => unknown): UpgradeInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpgradeInputError) return error;
    throw error;
  }
  throw new Error('expected an UpgradeInputError');
}

describe('loadUpgrade', () => {
  it('loads the dten story into the domain model with epoch ms', () => {
    const upgrade = loadUpgrade(join(fixtures, 'dten-2026.04.json'));
    expect(upgrade.id).toBe('dten-2026.04');
    expect(upgrade.package).toBe('Full-upgrade-package-dten.zip');
    expect(upgrade.startedAtMs).toBe(T0);
    expect(upgrade.finishedAtMs).toBe(T0 + 40 * 60_000);
    expect(upgrade.binaries.map((b) => [b.name, b.changed, b.change])).toEqual([
      ['dten-gateway', true, 'updated'],
      ['dten-sync', true, 'updated'],
      ['dten-agent', true, 'updated'],
      ['dten-auth', false, 'unchanged'],
    ]);
    expect(upgrade.binaries[0]?.rollout).toEqual([
      { instance: 'gw-1', atMs: T0 + 5 * 60_000 },
      { instance: 'gw-2', atMs: T0 + 15 * 60_000 },
      { instance: 'gw-3', atMs: T0 + 25 * 60_000 },
    ]);
    expect(upgrade.configChanges).toEqual([{ key: 'dten.hybrid.enable', from: null, to: 'true' }]);
    expect(upgrade.flags).toEqual([{ name: 'dten.sync.backoff-v2', binary: 'dten-sync' }]);
    expect(upgrade.warnings).toEqual([]);
    expect(Object.isFrozen(upgrade.binaries[0]?.rollout)).toBe(true);
  });

  it('lists every bad field with file:line:column', () => {
    const path = join(fixtures, 'bad-upgrade.json');
    const error = inputError(() => loadUpgrade(path));
    expect(error.code).toBe('invalid_upgrade');
    expect(error.message.split('\n').slice(1)).toEqual([
      `${path}:4:17: finishedAt: expected a time at or after startedAt (2026-04-10T12:00:00Z), got "2026-04-10T11:00:00Z"`,
      `${path}:7:48: binaries[0].rollout[0].at: expected an RFC 3339 timestamp, got "yesterday"`,
      `${path}:8:34: binaries[0].rollout[1].instance: duplicate instance "gw-1" (also rollout[0])`,
      `${path}:8:48: binaries[0].rollout[1].at: expected a time at or after startedAt − 1h (2026-04-10T11:00:00Z), got "2026-04-10T09:00:00Z"`,
      `${path}:9:15: binaries[1].name: duplicate binary "dten-gateway" (also binaries[0])`,
      `${path}:9:41: binaries[1].sha256: expected a SHA-256 digest (64 hex characters), got "abc"`,
      `${path}:10:5: binaries[2].name: missing; expected a binary name`,
      `${path}:10:27: binaries[2].to: a binary cannot be both added (from: null) and removed (to: null)`,
      `${path}:12:58: flags[0].binary: expected a binary name, got 7`,
    ]);
  });

  it('refuses a missing file', () => {
    expect(inputError(() => loadUpgrade('/nonexistent/u.json')).message).toContain('/nonexistent/u.json: cannot read the file: no such file');
  });
});

describe('parseUpgrade', () => {
  const minimal = (extra: string) => `{\n  "id": "u1",\n  "startedAt": "2026-04-10T12:00:00Z",\n  "binaries": [ { "name": "a" } ]${extra}\n}\n`;

  it('needs only id, startedAt and binary names', () => {
    const upgrade = parseUpgrade(minimal(''), 'u.json');
    expect(upgrade.binaries).toEqual([{ name: 'a', from: null, to: null, changed: true, change: 'unspecified', notes: [] }]);
    expect(upgrade.configChanges).toEqual([]);
    expect(upgrade.flags).toEqual([]);
    expect(upgrade.finishedAtMs).toBeUndefined();
  });

  it('reports the exact path and line of a bad rollout time', () => {
    const text = [
      '{',
      '  "id": "u1",',
      '  "startedAt": "2026-04-10T12:00:00Z",',
      '  "binaries": [',
      '    { "name": "a", "from": "1", "to": "2", "rollout": [',
      '      { "instance": "i-1", "at": "2026-04-10T12:01:00Z" },',
      '      { "instance": "i-2", "at": "yesterday" } ] }',
      '  ]',
      '}',
    ].join('\n');
    expect(inputError(() => parseUpgrade(text, 'upgrade.json')).message).toBe(
      'invalid upgrade input upgrade.json (1 problem):\nupgrade.json:7:34: binaries[0].rollout[1].at: expected an RFC 3339 timestamp, got "yesterday"',
    );
  });

  it('refuses non-JSON syntax that YAML would accept, with line:column', () => {
    expect(inputError(() => parseUpgrade('{\n  id: u1\n}', 'u.json')).issues).toEqual([
      { path: '', line: 2, column: 3, message: 'invalid JSON: expected a double-quoted property name' },
    ]);
    expect(inputError(() => parseUpgrade(minimal(',\n  "flags": [],'), 'u.json')).issues).toEqual([
      { path: '', line: 6, column: 1, message: 'invalid JSON: trailing comma before }' },
    ]);
    expect(inputError(() => parseUpgrade(minimal(' // comment'), 'u.json')).issues[0]).toMatchObject({ line: 4, column: 35 });
  });

  it('requires id, startedAt and binaries', () => {
    expect(inputError(() => parseUpgrade('{}', 'u.json')).message.split('\n').slice(1)).toEqual([
      'u.json:1:1: id: missing; expected an id of 1-128 characters without spaces or slashes',
      'u.json:1:1: startedAt: missing; expected an RFC 3339 timestamp',
      'u.json:1:1: binaries: missing; expected a list of binaries',
    ]);
  });

  it('keeps unknown keys as warnings with their position, at any depth', () => {
    const upgrade = parseUpgrade(minimal(',\n  "schemaVersion": 2').replace('"name": "a"', '"name": "a", "rolout": []'), 'u.json');
    expect(upgrade.warnings).toEqual([
      'u.json:4:32: binaries[0].rolout: unknown key "rolout"; expected one of: name, from, to, changed, sha256, fromSha256, services, instances, rollout, notes (ignored)',
      'u.json:5:3: schemaVersion: unknown key "schemaVersion"; expected one of: id, package, startedAt, finishedAt, binaries, configChanges, flags, notes (ignored)',
    ]);
  });

  it('warns about flags naming binaries the upgrade does not list', () => {
    const upgrade = parseUpgrade(minimal(',\n  "flags": [ { "name": "f", "binary": "b" } ]'), 'u.json');
    expect(upgrade.warnings).toEqual(['u.json: flags[0].binary: "b" is not among the binaries of the upgrade']);
  });

  it('accepts a rollout up to one hour before startedAt and a null finishedAt', () => {
    const text = minimal(',\n  "finishedAt": null').replace('"name": "a"', '"name": "a", "rollout": [ { "instance": "i", "at": "2026-04-10T11:00:00Z" } ]');
    expect(parseUpgrade(text, 'u.json').binaries[0]?.rollout).toEqual([{ instance: 'i', atMs: T0 - 3_600_000 }]);
  });

  it('rejects changed: false for different versions', () => {
    const text = minimal('').replace('"name": "a"', '"name": "a", "from": "1", "to": "2", "changed": false');
    expect(inputError(() => parseUpgrade(text, 'u.json')).issues).toEqual([
      { path: 'binaries[0].changed', line: 4, column: 67, message: 'changed is false but from (1) differs from to (2)' },
    ]);
  });
});

describe('validateUpgrade', () => {
  it('validates a parsed body, naming JSON paths without lines', () => {
    const error = inputError(() => validateUpgrade({ id: 'u', startedAt: 'now', binaries: [{ name: '' }] }, 'request body'));
    expect(error.message.split('\n').slice(1)).toEqual([
      'request body: startedAt: expected an RFC 3339 timestamp, got "now"',
      'request body: binaries[0].name: expected a binary name, got ""',
    ]);
  });

  it('drops an unknown key whose value nests 100,000 levels deep, with a warning', () => {
    // Found by test/fuzz/upgrade-json.fuzz.test.ts: dropping the unknown key deep-copied the whole body
    // (structuredClone) and overflowed the stack with a RangeError.
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const upgrade = validateUpgrade({ id: 'u', startedAt: '2026-04-10T12:00:00Z', binaries: [], extra: deep }, 'request body');
    expect(upgrade.warnings).toEqual(['request body: extra: unknown key "extra"; expected one of: id, package, startedAt, finishedAt, binaries, configChanges, flags, notes (ignored)']);
  });
});

describe('binaryChangeOf', () => {
  it.each([
    [{ from: '1', to: '2' }, 'updated'],
    [{ from: null, to: '2' }, 'added'],
    [{ from: '1', to: null }, 'removed'],
    [{ from: '1', to: '1' }, 'unchanged'],
    [{ from: '1', to: '1', changed: true }, 'rebuilt'],
    [{ to: '2' }, 'unspecified'],
    [{ changed: false }, 'unchanged'],
  ] as const)('%j is %s', (binary, change) => {
    expect(binaryChangeOf(binary)).toBe(change);
  });
});
