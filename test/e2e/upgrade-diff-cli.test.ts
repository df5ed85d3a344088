/**
 * End-to-end tests of `shiftguard upgrade diff`: the dten package manifest plus the inventory of
 * what runs now must give exactly the hand-written `dten-upgrade-diff.json`, that output must load
 * as the upgrade of `analyze` (rollouts then come from build info), and bad input gives exit 2
 * naming file:line:column and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtenStory } from '../../src/sim/scenarios.js';
import { findGroup, parseContractReport } from './contract-report.js';
import { REPO_ROOT, expectInputError, makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { writeScenarioFiles } from './scenario-files.js';

const UPGRADES = join(REPO_ROOT, 'test', 'fixtures', 'upgrades');
const MANIFEST = join(UPGRADES, 'dten-package-manifest.json');
const INVENTORY = join(UPGRADES, 'dten-inventory.json');
const BAD_MANIFEST = join(UPGRADES, 'bad-manifest.json');
/** The options `dten-upgrade-diff.json` was written for (see test/fixtures/upgrades/README.md). */
const OPTIONS = ['--id', 'dten-2026.04', '--started-at', '2026-04-10T12:00:00Z'];

describe('shiftguard upgrade diff', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('upgrade-diff');
  });
  afterAll(() => tmp?.remove());

  const diff = (...args: string[]): ReturnType<typeof runCli> => runCli(['upgrade', 'diff', ...args], { cwd: tmp.path });

  it('turns the dten manifest and inventory into exactly dten-upgrade-diff.json', async () => {
    const result = await diff('--manifest', MANIFEST, '--inventory', INVENTORY, ...OPTIONS);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(join(UPGRADES, 'dten-upgrade-diff.json'), 'utf8')));
  });

  it('--out writes the same document to a file and keeps stdout empty', async () => {
    const out = join(tmp.path, 'upgrade.json');
    const result = await diff('--manifest', MANIFEST, '--inventory', INVENTORY, ...OPTIONS, '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(out);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(readFileSync(join(UPGRADES, 'dten-upgrade-diff.json'), 'utf8')));
  });

  it('its output is a valid upgrade for analyze, which then finds the dten regressions from build info', async () => {
    const upgradePath = join(tmp.path, 'from-diff.json');
    const written = await diff('--manifest', MANIFEST, '--inventory', INVENTORY, ...OPTIONS, '--out', upgradePath);
    expect(written.code, written.stderr).toBe(0);
    const story = await writeScenarioFiles(tmp.path, 'dten', dtenStory(1));
    const result = await runCli(['analyze', '--upgrade', upgradePath, '--metrics', story.metricsPath, '--format', 'json'], { cwd: tmp.path });
    expect(result.code, result.stderr).toBe(3);
    const report = parseContractReport(result.stdout);
    expect(report.upgrade).toBe('dten-2026.04');
    expect(findGroup(report, 'latency', { service: 'gateway', endpoint: '/v1/route' }).suspects[0]?.binary).toBe('dten-gateway');
    expect(findGroup(report, 'retries', { service: 'sync', peer: 'partner-api' }).suspects[0]?.binary).toBe('dten-sync');
  });

  it('a bad manifest gives exit 2 with file:line:column and the JSON path of each problem', async () => {
    const text = readFileSync(BAD_MANIFEST, 'utf8');
    const lineOf = (fragment: string): number => text.slice(0, text.indexOf(fragment)).split('\n').length;
    const result = await diff('--manifest', BAD_MANIFEST, '--inventory', INVENTORY, ...OPTIONS);
    expectInputError(result, [
      new RegExp(`bad-manifest\\.json:${lineOf('{ "name": "dten-sync" }')}:\\d+: binaries\\[2\\]\\.version: `),
      new RegExp(`bad-manifest\\.json:${lineOf('"flags"')}:\\d+: flags\\[0\\]\\.name: `),
      'expected',
    ]);
  });

  it('a bad --started-at names the option and the expected format', async () => {
    expectInputError(await diff('--manifest', MANIFEST, '--inventory', INVENTORY, '--started-at', 'yesterday'), ['--started-at', 'RFC 3339', 'yesterday']);
  });

  it('a missing inventory file is named', async () => {
    const missing = join(tmp.path, 'nope.json');
    expectInputError(await diff('--manifest', MANIFEST, '--inventory', missing), [missing]);
  });

  it('an --out path in a directory that does not exist gives exit 2 naming the path, not an internal error', async () => {
    const out = join(tmp.path, 'no-such-dir', 'upgrade.json');
    expectInputError(await diff('--manifest', MANIFEST, '--inventory', INVENTORY, ...OPTIONS, '--out', out), [out]);
  });

  it('missing --inventory, or a subcommand other than diff, is a usage error', async () => {
    expectInputError(await diff('--manifest', MANIFEST), ['--inventory', '--help']);
    expectInputError(await runCli(['upgrade', 'apply'], { cwd: tmp.path }), ['upgrade diff', '--help']);
  });
});
