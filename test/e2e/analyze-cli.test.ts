/**
 * End-to-end tests of `shiftguard analyze` on files: the seeded dten story (a gateway tail
 * regression and a sync retry uptick) and a null scenario are written as OpenMetrics files and fed
 * to the built CLI in a child process; exit codes, the JSON report (CONTRACT §5), the table and
 * markdown formats, --out, --config, several --metrics files, --help and --version are checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtenStory, nullScenario } from '../../src/sim/scenarios.js';
import { findGroup, parseContractReport } from './contract-report.js';
import type { ContractReport } from './contract-report.js';
import { REPO_ROOT, expectNoCrash, makeTempDir, runCli } from './run-cli.js';
import type { CliResult, TempDir } from './run-cli.js';
import { writeScenarioFiles, writeSeriesFile } from './scenario-files.js';
import type { ScenarioFiles } from './scenario-files.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'e2e');
const ROUTE = { service: 'gateway', endpoint: '/v1/route' };
const PARTNER = { service: 'sync', peer: 'partner-api' };

describe('shiftguard analyze --metrics (dten story)', () => {
  let tmp: TempDir;
  let dten: ScenarioFiles;
  let json: CliResult;
  let report: ContractReport;
  const analyze = (...args: string[]): Promise<CliResult> =>
    runCli(['analyze', '--upgrade', dten.upgradePath, '--metrics', dten.metricsPath, ...args], { cwd: tmp.path });

  beforeAll(async () => {
    tmp = makeTempDir('analyze');
    dten = await writeScenarioFiles(tmp.path, 'dten', dtenStory(1));
    json = await analyze('--format', 'json');
    report = parseContractReport(json.stdout);
  });

  afterAll(() => tmp?.remove());

  it('exits 3 and prints only a CONTRACT §5 JSON report on stdout', () => {
    expect(json.code, json.stderr).toBe(3);
    expect(json.stdout.trimStart().startsWith('{')).toBe(true);
    expect(report.upgrade).toBe('dten-2026.04');
    expect(report.windows.baseline.end).toBe(new Date(dten.upgrade.startedAt).toISOString());
    expect(report.summary.regressions).toBe(2);
  });

  it('finds the /v1/route tail regression and names dten-gateway first', () => {
    const route = findGroup(report, 'latency', ROUTE);
    expect(route.verdict).toBe('regression');
    expect(route.suspects[0]?.binary).toBe('dten-gateway');
    expect(route.suspects[0]).toMatchObject({ from: '4.2.1', to: '4.3.0' });
    expect(route.statistics.map((s) => s.name)).toEqual(['p50', 'p95', 'p99']);
    const p99 = route.statistics.find((s) => s.name === 'p99');
    expect(p99?.relativeChange).toBeGreaterThan(0.1);
    const rollout = dten.upgrade.binaries.find((b) => b.name === 'dten-gateway')?.rollout ?? [];
    const onsetMs = Date.parse(route.onset ?? '');
    expect(onsetMs).toBeGreaterThanOrEqual(Math.min(...rollout.map((r) => Date.parse(r.at))) - 60_000);
    expect(onsetMs).toBeLessThanOrEqual(Math.max(...rollout.map((r) => Date.parse(r.at))) + 5 * 60_000);
  });

  it('finds the partner-api retry regression and names dten-sync first', () => {
    const partner = findGroup(report, 'retries', PARTNER);
    expect(partner.verdict).toBe('regression');
    expect(partner.suspects[0]).toMatchObject({ binary: 'dten-sync', from: '2.7.0', to: '2.8.0' });
    expect(partner.statistics.map((s) => s.name)).toEqual(['ratio']);
    expect(partner.statistics[0]?.relativeChange).toBeGreaterThan(0.5);
  });

  it('reports every other group of the story once, none of them as a regression', () => {
    const keys = report.groups.map((g) => `${g.signal} ${g.labels['service']} ${g.labels['endpoint'] ?? g.labels['peer']}`).sort();
    expect(keys).toEqual([
      'latency gateway /v1/auth',
      'latency gateway /v1/route',
      'latency gateway /v1/sync-status',
      'latency sync /v1/sync/push',
      'retries gateway sync',
      'retries sync partner-api',
      'retries sync storage',
    ]);
  });

  it('writes progress lines to stderr and nothing but the report to stdout', () => {
    const lines = json.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^shiftguard: /);
    expect(json.stderr).toMatch(/read \d+ series/);
    expect(json.stderr).toContain('signal latency: 4 group(s) analysed');
    expect(json.stderr).toContain('signal retries: 3 group(s) analysed');
    expect(json.stdout).not.toContain('shiftguard:');
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });

  it('prints JSON by default when stdout is not a terminal', async () => {
    const result = await analyze();
    expect(result.code).toBe(3);
    expect(parseContractReport(result.stdout).summary).toEqual(report.summary);
  });

  it('--format table lists the regressed groups with their suspects', async () => {
    const result = await analyze('--format', 'table');
    expect(result.code).toBe(3);
    expectRegressionLine(result.stdout, ['service=gateway', 'endpoint=/v1/route', 'dten-gateway']);
    expectRegressionLine(result.stdout, ['service=sync', 'peer=partner-api', 'dten-sync']);
    expect(result.stdout.split('\n').filter((l) => /^regression\b/.test(l))).toHaveLength(2);
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  it('--format markdown has a section per regressed group', async () => {
    const result = await analyze('--format', 'markdown');
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^#+ .*Regression.*service=gateway endpoint=\/v1\/route/m);
    expect(result.stdout).toMatch(/^#+ .*Regression.*service=sync peer=partner-api/m);
    expect(result.stdout).toContain('`dten-gateway`');
    expect(result.stdout).toContain('`dten-sync`');
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  it('--out FILE writes the report there and keeps stdout empty', async () => {
    const out = join(tmp.path, 'report.json');
    const result = await analyze('--format', 'json', '--out', out);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`report written to ${out}`);
    const written = parseContractReport(readFileSync(out, 'utf8'));
    expect(written.groups.map((g) => [g.signal, g.labels, g.verdict])).toEqual(report.groups.map((g) => [g.signal, g.labels, g.verdict]));
  });

  it('accepts --metrics several times (gateway and sync series in separate files)', async () => {
    const gatewayPath = join(tmp.path, 'gateway.om');
    const syncPath = join(tmp.path, 'sync.om');
    await writeSeriesFile(gatewayPath, dten.series.filter((s) => s.labels['service'] === 'gateway'));
    await writeSeriesFile(syncPath, dten.series.filter((s) => s.labels['service'] !== 'gateway'));
    const result = await runCli(['analyze', '--upgrade', dten.upgradePath, '--metrics', gatewayPath, '--metrics', syncPath, '--format', 'json'], { cwd: tmp.path });
    expect(result.code, result.stderr).toBe(3);
    const split = parseContractReport(result.stdout);
    expect(split.groups.map((g) => [g.signal, g.labels, g.verdict, g.suspects[0]?.binary])).toEqual(
      report.groups.map((g) => [g.signal, g.labels, g.verdict, g.suspects[0]?.binary]),
    );
  });

  it('--config with only the retries signal analyses only retries groups', async () => {
    const result = await analyze('--format', 'json', '--config', join(FIXTURES, 'retries-only.yaml'));
    expect(result.code, result.stderr).toBe(3);
    const retries = parseContractReport(result.stdout, { retries: 'ratio' });
    expect(retries.groups.map((g) => g.signal)).toEqual(['retries', 'retries', 'retries']);
    expect(findGroup(retries, 'retries', PARTNER).verdict).toBe('regression');
    expect(result.stderr).not.toContain('signal latency');
  });

  it('--config can regroup and raise the threshold so that nothing counts as a regression (exit 0)', async () => {
    const result = await analyze('--format', 'json', '--config', join(FIXTURES, 'retries-by-service-large-threshold.yaml'));
    expect(result.code, result.stderr).toBe(0);
    const regrouped = parseContractReport(result.stdout, { retries: 'ratio' });
    expect(regrouped.groups.map((g) => g.labels).sort((a, b) => String(a['service']).localeCompare(String(b['service'])))).toEqual([
      { service: 'gateway' },
      { service: 'sync' },
    ]);
    expect(regrouped.summary.regressions).toBe(0);
    expect(findGroup(regrouped, 'retries', { service: 'sync' }).statistics[0]?.relativeChange).toBeGreaterThan(0.5);
  });
});

describe('shiftguard analyze --metrics (null scenario)', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('analyze-null');
  });
  afterAll(() => tmp?.remove());

  it('exits 0 with no regression and no suspects when nothing changed', async () => {
    const files = await writeScenarioFiles(tmp.path, 'null', nullScenario(1));
    const result = await runCli(['analyze', '--upgrade', files.upgradePath, '--metrics', files.metricsPath, '--format', 'json'], { cwd: tmp.path });
    expectNoCrash(result);
    expect(result.code, result.stderr).toBe(0);
    const report = parseContractReport(result.stdout);
    expect(report.groups.length).toBeGreaterThan(0);
    expect(report.summary.regressions).toBe(0);
    for (const group of report.groups) expect(group.suspects).toEqual([]);
  });
});

describe('shiftguard --help and --version', () => {
  it('--help prints the usage of every command and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['analyze', 'demo', 'upgrade diff', '--upgrade', '--metrics', '--prometheus', '--format']) expect(result.stdout).toContain(command);
  });

  it('--version prints the package version and exits 0', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});

/** Asserts that one line of `table` starts with `regression` and contains every fragment. */
function expectRegressionLine(table: string, fragments: readonly string[]): void {
  const line = table.split('\n').find((l) => /^regression\b/.test(l) && fragments.every((f) => l.includes(f)));
  expect(line, `a regression line with ${fragments.join(', ')} in:\n${table}`).toBeDefined();
}
