import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from './inventory.js';
import { parseUpgrade } from './load-upgrade.js';
import { loadPackageManifest, parsePackageManifest } from './package-manifest.js';
import type { PackageManifest } from './package-manifest.js';
import type { Inventory } from './inventory.js';
import { diffUpgrade } from './upgrade-diff.js';
import { UpgradeInputError } from './upgrade-input-error.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/upgrades/', import.meta.url));
const manifest = loadPackageManifest(join(fixtures, 'dten-package-manifest.json'));
const inventory = loadInventory(join(fixtures, 'dten-inventory.json'));
const fixedClock = () => new Date(Date.UTC(2026, 3, 10, 12, 0, 0, 456));

const sha = (c: string) => c.repeat(64);
const manifestOf = (value: object): PackageManifest => parsePackageManifest(JSON.stringify(value), 'm.json').value;
const inventoryOf = (value: object): Inventory => parseInventory(JSON.stringify(value), 'i.json').value;

describe('diffUpgrade on the dten story', () => {
  it('produces exactly the hand-written upgrade.json', () => {
    const expected: unknown = JSON.parse(readFileSync(join(fixtures, 'dten-upgrade-diff.json'), 'utf8'));
    expect(manifest.warnings).toEqual([]);
    expect(inventory.warnings).toEqual([]);
    const upgrade = diffUpgrade(manifest.value, inventory.value, { id: 'dten-2026.04', startedAt: '2026-04-10T12:00:00Z' });
    expect(upgrade).toEqual(expected);
  });

  it('writes an upgrade.json that loads without warnings and marks the right binaries changed', () => {
    const json = diffUpgrade(manifest.value, inventory.value, { now: fixedClock });
    const upgrade = parseUpgrade(JSON.stringify(json, null, 2), 'upgrade.json');
    expect(upgrade.warnings).toEqual([]);
    expect(upgrade.id).toBe('Full-upgrade-package-dten-2026.04');
    expect(upgrade.startedAtMs).toBe(Date.UTC(2026, 3, 10, 12));
    expect(upgrade.binaries.filter((b) => b.changed).map((b) => b.name)).toEqual(['dten-gateway', 'dten-sync', 'dten-agent']);
  });
});

describe('diffUpgrade cases', () => {
  const now = { binaries: [{ name: 'a', version: '1.0', sha256: sha('a'), instances: ['h-1'] }, { name: 'old', version: '0.9' }] };

  it('handles added, removed, rebuilt and not-shipped binaries', () => {
    const shipped = manifestOf({
      package: 'pkg.tar.gz',
      binaries: [
        { name: 'a', version: '1.0', sha256: sha('b') },
        { name: 'new', version: '2.0', services: ['svc'] },
        { name: 'gone', removed: true },
      ],
    });
    const json = diffUpgrade(shipped, inventoryOf(now), { startedAt: '2026-04-10T12:00:00+02:00' });
    expect(json.id).toBe('pkg-20260410T120000+0200');
    expect(json.startedAt).toBe('2026-04-10T12:00:00+02:00');
    expect(json.binaries).toEqual([
      {
        name: 'a', from: '1.0', to: '1.0', sha256: sha('b'), fromSha256: sha('a'), instances: ['h-1'], changed: true,
        notes: ['same version 1.0 but sha256 differs (aaaaaaaaaaaa… → bbbbbbbbbbbb…): a rebuild, counted as changed'],
      },
      { name: 'new', from: null, to: '2.0', services: ['svc'] },
      { name: 'old', from: '0.9', to: '0.9', notes: ['not in the package; left as is'] },
    ]);
    expect(json.notes).toEqual(['gone is marked removed by the package but does not run now (not in the inventory)']);
    const upgrade = parseUpgrade(JSON.stringify(json), 'u.json');
    expect(upgrade.binaries.map((b) => b.change)).toEqual(['rebuilt', 'added', 'unchanged']);
  });

  it('marks a running binary the package removes with to: null', () => {
    const json = diffUpgrade(manifestOf({ package: 'p.zip', version: '1', binaries: [{ name: 'old', removed: true }] }), inventoryOf(now), { now: fixedClock });
    expect(json.binaries[0]).toEqual({ name: 'old', from: '0.9', to: null });
    expect(json.startedAt).toBe('2026-04-10T12:00:00Z');
  });

  it('notes flags whose binary exists nowhere', () => {
    const shipped = manifestOf({ package: 'p.zip', version: '1', binaries: [], flags: [{ name: 'f', binary: 'ghost' }] });
    expect(diffUpgrade(shipped, inventoryOf(now), { now: fixedClock }).notes).toEqual([
      'flag f names binary ghost, which is neither in the package nor in the inventory',
    ]);
  });

  it('rejects a bad start time or id, naming the option', () => {
    const shipped = manifestOf({ package: 'p.zip', binaries: [] });
    expect(() => diffUpgrade(shipped, inventoryOf(now), { startedAt: 'tomorrow' })).toThrow(
      '--started-at: startedAt: expected an RFC 3339 timestamp, got "tomorrow"',
    );
    expect(() => diffUpgrade(shipped, inventoryOf(now), { id: 'a b', now: fixedClock })).toThrow(UpgradeInputError);
  });
});

describe('package manifest and inventory validation', () => {
  function inputError(run: () => unknown): UpgradeInputError {
    try {
      run();
    } catch (error) {
      if (error instanceof UpgradeInputError) return error;
      throw error;
    }
    throw new Error('expected an UpgradeInputError');
  }

  it('lists every bad manifest field with line:column', () => {
    const path = join(fixtures, 'bad-manifest.json');
    expect(inputError(() => loadPackageManifest(path)).message.split('\n').slice(1)).toEqual([
      `${path}:5:64: binaries[1].version: a removed binary has no version`,
      `${path}:6:5: binaries[2].version: missing; expected a version string (or "removed": true)`,
      `${path}:10:69: config.set["dten.sync.max-inflight"]: expected a string, number, boolean or null, got a list`,
      `${path}:14:14: flags[0].name: missing; expected a flag name`,
    ]);
  });

  it('reports cross-field manifest problems at the offending entry', () => {
    const text = JSON.stringify(
      {
        package: 'p.zip',
        binaries: [{ name: 'a', version: '1' }, { name: 'a', version: '2' }],
        config: { set: { k: 1 }, renamed: [{ from: 'x', to: 'x' }, { from: 'x', to: 'k2' }], removed: ['k', 'k2'] },
      },
      null,
      1,
    );
    expect(inputError(() => parsePackageManifest(text, 'm.json')).issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '9:12 binaries[1].name: duplicate binary "a" (also binaries[0])',
      '15:9 config.set.k: key "k" is both set and removed',
      '20:11 config.renamed[0].to: a key cannot be renamed to itself',
      '23:13 config.renamed[1].from: key "x" is renamed twice',
      '24:11 config.renamed[1].to: key "k2" is both a rename target and removed',
    ]);
  });

  it('validates inventories and keeps unknown keys as warnings', () => {
    const text = '{\n  "binaries": [ { "name": "a", "version": "1", "host": "x" },\n    { "name": "a" } ]\n}';
    expect(inputError(() => parseInventory(text, 'i.json')).message.split('\n').slice(1)).toEqual([
      'i.json:3:5: binaries[1].version: missing; expected a version string',
    ]);
    const ok = parseInventory('{\n  "binaries": [],\n  "generatedBy": "cmdb"\n}', 'i.json');
    expect(ok.warnings).toEqual(['i.json:3:3: generatedBy: unknown key "generatedBy"; expected one of: binaries, config (ignored)']);
  });
});
