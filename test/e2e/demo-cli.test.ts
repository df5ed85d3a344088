/**
 * End-to-end tests of `shiftguard demo`: it replays the dten story, prints the table with the two
 * regressions and the "Where to look" lines, leaves metrics.om, upgrade.json and report.json on
 * disk, and the analyze command it prints reproduces the same verdicts (exit 3).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupKey, parseContractReport } from './contract-report.js';
import type { ContractReport } from './contract-report.js';
import { makeTempDir, runCli } from './run-cli.js';
import type { CliResult, TempDir } from './run-cli.js';

/** The outline every comparison uses: group, verdict, top suspect. */
function outline(report: ContractReport): string[][] {
  return report.groups.map((g) => [groupKey(g), g.verdict, g.suspects[0]?.binary ?? '-']).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('shiftguard demo', () => {
  let tmp: TempDir;
  let demo: CliResult;
  let outDir: string;

  beforeAll(async () => {
    tmp = makeTempDir('demo');
    outDir = join(tmp.path, 'out');
    demo = await runCli(['demo', '--offline', '--out-dir', 'out'], { cwd: tmp.path });
  });

  afterAll(() => tmp?.remove());

  it('exits 0 and prints the table with the two regressions and their suspects', () => {
    expect(demo.code, demo.stderr).toBe(0);
    const regressions = demo.stdout.split('\n').filter((line) => /^regression\b/.test(line));
    expect(regressions).toHaveLength(2);
    expect(regressions.find((l) => l.includes('endpoint=/v1/route'))).toContain('dten-gateway');
    expect(regressions.find((l) => l.includes('peer=partner-api'))).toContain('dten-sync');
  });

  it('prints where to look: the report, the inputs and the command to re-run', () => {
    const after = demo.stdout.slice(demo.stdout.indexOf('Where to look:'));
    expect(demo.stdout).toContain('Where to look:');
    expect(after).toContain(join('out', 'report.json'));
    expect(after).toContain(join('out', 'metrics.om'));
    expect(after).toContain(join('out', 'upgrade.json'));
    expect(after).toMatch(/re-run it: npx shiftguard analyze --upgrade \S+ --metrics \S+/);
  });

  it('writes metrics.om, upgrade.json and a CONTRACT §5 report.json that agrees with the table', () => {
    for (const file of ['metrics.om', 'upgrade.json', 'report.json']) expect(existsSync(join(outDir, file)), file).toBe(true);
    expect(readFileSync(join(outDir, 'metrics.om'), 'utf8').trimEnd().endsWith('# EOF')).toBe(true);
    expect(JSON.parse(readFileSync(join(outDir, 'upgrade.json'), 'utf8'))).toMatchObject({ id: 'dten-2026.04' });
    const report = parseContractReport(readFileSync(join(outDir, 'report.json'), 'utf8'));
    expect(report.summary.regressions).toBe(2);
  });

  it('progress goes to stderr, not into the table', () => {
    expect(demo.stderr).toMatch(/^shiftguard: simulating/m);
    expect(demo.stdout).not.toMatch(/^shiftguard: /m);
  });

  it('re-running the printed analyze command (with node bin/shiftguard.js for npx shiftguard) reproduces the same verdicts (exit 3)', async () => {
    const command = /re-run it: npx shiftguard (analyze .+)$/m.exec(demo.stdout)?.[1];
    expect(command, demo.stdout).toBeDefined();
    const args = (command ?? '').trim().split(/\s+/);
    const table = await runCli(args, { cwd: tmp.path });
    expect(table.code, table.stderr).toBe(3);
    const tableLines = table.stdout.split('\n').filter((line) => /^regression\b/.test(line));
    expect(tableLines).toHaveLength(2);
    const json = await runCli([...args.filter((a, i) => a !== '--format' && args[i - 1] !== '--format'), '--format', 'json'], { cwd: tmp.path });
    expect(json.code, json.stderr).toBe(3);
    const demoReport = parseContractReport(readFileSync(join(outDir, 'report.json'), 'utf8'));
    expect(outline(parseContractReport(json.stdout))).toEqual(outline(demoReport));
  });

  it('--out-dir accepts an absolute path and writes there', async () => {
    const cwd = join(tmp.path, 'elsewhere');
    const absolute = join(tmp.path, 'absolute-out');
    mkdirSync(cwd);
    const result = await runCli(['demo', '--offline', '--out-dir', absolute, '--quiet'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    for (const file of ['metrics.om', 'upgrade.json', 'report.json']) expect(existsSync(join(absolute, file)), join(absolute, file)).toBe(true);
  });
});
