/**
 * End-to-end tests of `shiftguard analyze` on bad input: each damaged file, bad flag or dead
 * Prometheus must give exit 2 (or, for recoverable problems, a warning in the report) and a stderr
 * message naming the file and line (or JSON path, or URL and query) and what was expected; never
 * exit 1, never a stack trace. The damage is applied to a seeded null scenario, and the expected
 * line numbers are computed from the damaged text itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nullScenario } from '../../src/sim/scenarios.js';
import { parseContractReport } from './contract-report.js';
import { freePort } from './free-port.js';
import { REPO_ROOT, expectInputError, expectNoCrash, makeTempDir, runCli } from './run-cli.js';
import type { CliResult, TempDir } from './run-cli.js';
import { writeJsonFile, writeScenarioFiles } from './scenario-files.js';
import type { ScenarioFiles } from './scenario-files.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'e2e');
const COUNTER = 'http_client_requests_total{';
const ROUTE_GW2 = 'service="gateway",instance="gw-2",endpoint="/v1/route"';

describe('shiftguard analyze on bad input', () => {
  let tmp: TempDir;
  let base: ScenarioFiles;
  /** Lines of the undamaged metrics file (no trailing empty element). */
  let lines: string[];

  beforeAll(async () => {
    tmp = makeTempDir('bad-input');
    base = await writeScenarioFiles(tmp.path, 'null', nullScenario(1));
    lines = readFileSync(base.metricsPath, 'utf8').replace(/\n$/, '').split('\n');
  });

  afterAll(() => tmp?.remove());

  /** Writes `text` to `<tmp>/<name>` and returns its path. */
  const damaged = (name: string, text: string): string => {
    const path = join(tmp.path, name);
    writeFileSync(path, text);
    return path;
  };
  const analyzeMetrics = (metricsPath: string, ...args: string[]): Promise<CliResult> =>
    runCli(['analyze', '--upgrade', base.upgradePath, '--metrics', metricsPath, '--format', 'json', ...args], { cwd: tmp.path });
  /** 1-based number of the `nth` (0-based) line containing `fragment`. */
  const lineOf = (fragment: string, nth = 0): number => {
    const numbers = lines.flatMap((line, i) => (line.includes(fragment) ? [i + 1] : []));
    const found = numbers[nth];
    if (found === undefined) throw new Error(`fewer than ${nth + 1} lines contain ${fragment}`);
    return found;
  };
  const replaceLine = (lineNumber: number, map: (line: string) => string): string =>
    `${lines.map((line, i) => (i + 1 === lineNumber ? map(line) : line)).join('\n')}\n`;

  describe('metrics files', () => {
    it.each([
      ['inside a label value', (line: string) => line.slice(0, line.indexOf('instance=') + 14)],
      ['inside the value', (line: string) => line.slice(0, line.indexOf('} ') + 4)],
      ['inside the timestamp', (line: string) => line.slice(0, line.lastIndexOf(' ') + 6)],
    ])('a file cut mid-sample (%s) names the last line and says it looks truncated', async (_where, cut) => {
      const at = lineOf(COUNTER, 100);
      const text = `${lines.slice(0, at - 1).join('\n')}\n${cut(lines[at - 1] ?? '')}`;
      const result = await analyzeMetrics(damaged('cut.om', text));
      expectInputError(result, [new RegExp(`cut\\.om:${at}(:\\d+)?: `), 'truncated']);
    });

    it('a file without # EOF names its last line and what was expected', async () => {
      const result = await analyzeMetrics(damaged('no-eof.om', `${lines.slice(0, -1).join('\n')}\n`));
      expectInputError(result, [`no-eof.om:${lines.length - 1}`, '# EOF']);
    });

    it.each(['NaN', '+Inf'])('a %s value in a counter becomes a warning naming file:line, and the analysis still runs', async (value) => {
      const at = lineOf(COUNTER, 120);
      const text = replaceLine(at, (line) => line.replace(/\} \S+ /, `} ${value} `));
      const result = await analyzeMetrics(damaged('nan.om', text));
      expectNoCrash(result);
      expect(result.code, result.stderr).toBe(0);
      const report = parseContractReport(result.stdout);
      expect(report.warnings.filter((w) => w.includes(`nan.om:${at}`) && /NaN|Inf/.test(w)), report.warnings.join('\n')).toHaveLength(1);
    });

    it('a timestamp going backwards names the line, the series and the previous sample', async () => {
      const at = lineOf(COUNTER, 3);
      const previousTimestamp = Number((lines[at - 2] ?? '').split(' ').at(-1));
      const text = replaceLine(at, (line) => line.replace(/ \d+$/, ` ${previousTimestamp - 60}`));
      const result = await analyzeMetrics(damaged('backwards.om', text));
      expectInputError(result, [`backwards.om:${at}`, 'backwards', 'http_client_requests_total', `line ${at - 1}`]);
    });

    it('a histogram without le="+Inf" names the line of its first bucket and the missing bucket', async () => {
      const text = `${lines.filter((line) => !(line.includes(ROUTE_GW2) && line.includes('le="+Inf"'))).join('\n')}\n`;
      const firstBucket = text.split('\n').findIndex((line) => line.includes(ROUTE_GW2)) + 1;
      const result = await analyzeMetrics(damaged('no-inf.om', text));
      expectInputError(result, [`no-inf.om:${firstBucket}`, 'le="+Inf"', 'instance="gw-2"']);
    });

    it('a missing metrics file is named', async () => {
      const missing = join(tmp.path, 'does-not-exist.om');
      expectInputError(await analyzeMetrics(missing), [missing]);
    });
  });

  describe('upgrade.json', () => {
    it('an instance in the rollout without any series gives a warning in the report, not a failure', async () => {
      const first = base.upgrade.binaries[0];
      if (first === undefined) throw new Error('the null scenario upgrades one binary');
      const upgrade = { ...base.upgrade, binaries: [{ ...first, rollout: [...(first.rollout ?? []), { instance: 'gw-9', at: '2026-04-10T12:30:00Z' }] }] };
      const path = join(tmp.path, 'gw-9.upgrade.json');
      await writeJsonFile(path, upgrade);
      const result = await runCli(['analyze', '--upgrade', path, '--metrics', base.metricsPath, '--format', 'json'], { cwd: tmp.path });
      expectNoCrash(result);
      expect(result.code, result.stderr).toBe(0);
      const report = parseContractReport(result.stdout);
      expect(report.warnings.filter((w) => /instance gw-9\b.* has no series/.test(w)), report.warnings.join('\n')).toHaveLength(1);
    });

    it('a bad startedAt is reported with line:column, JSON path and the expected format', async () => {
      const text = `${JSON.stringify({ ...base.upgrade, startedAt: '2026-04-10 noon' }, null, 2)}\n`;
      const path = damaged('bad-started-at.json', text);
      const { line, column } = positionOf(text, '"2026-04-10 noon"');
      const result = await runCli(['analyze', '--upgrade', path, '--metrics', base.metricsPath], { cwd: tmp.path });
      expectInputError(result, [`bad-started-at.json:${line}:${column}: startedAt: `, 'RFC 3339', '2026-04-10 noon']);
    });

    it('a bad rollout time deep inside is reported with its JSON path', async () => {
      const first = base.upgrade.binaries[0];
      if (first === undefined) throw new Error('the null scenario upgrades one binary');
      const rollout = (first.rollout ?? []).map((r, i) => (i === 1 ? { ...r, at: '12:13' } : r));
      const text = `${JSON.stringify({ ...base.upgrade, binaries: [{ ...first, rollout }] }, null, 2)}\n`;
      const path = damaged('bad-rollout.json', text);
      const { line, column } = positionOf(text, '"12:13"');
      const result = await runCli(['analyze', '--upgrade', path, '--metrics', base.metricsPath], { cwd: tmp.path });
      expectInputError(result, [`bad-rollout.json:${line}:${column}: binaries[0].rollout[1].at: `, 'RFC 3339']);
    });

    it('a JSON syntax error is reported with line:column', async () => {
      const text = '{\n  "id": "x",\n  "startedAt": "2026-04-10T12:00:00Z",\n  "binaries": [],\n}\n';
      const result = await runCli(['analyze', '--upgrade', damaged('syntax.json', text), '--metrics', base.metricsPath], { cwd: tmp.path });
      expectInputError(result, [/syntax\.json:5:\d+: /]);
    });

    it('a missing upgrade file is named', async () => {
      const missing = join(tmp.path, 'nope.upgrade.json');
      expectInputError(await runCli(['analyze', '--upgrade', missing, '--metrics', base.metricsPath], { cwd: tmp.path }), [missing]);
    });
  });

  describe('configuration', () => {
    it('an invalid config lists every bad field with line and path', async () => {
      const config = join(FIXTURES, 'bad-config.yaml');
      const result = await analyzeMetrics(base.metricsPath, '--config', config);
      expectInputError(result, [`${config}:3:`, 'windows.after', `${config}:4:`, 'alpha', `${config}:11:`, 'signals[0].minRelativeChange', 'expected']);
    });

    it('a YAML syntax error is reported with its line', async () => {
      const config = join(FIXTURES, 'bad-yaml-syntax.yaml');
      expectInputError(await analyzeMetrics(base.metricsPath, '--config', config), [`${config}:4:`, 'YAML']);
    });

    it('a missing config file is named', async () => {
      const missing = join(tmp.path, 'nope.yaml');
      expectInputError(await analyzeMetrics(base.metricsPath, '--config', missing), [missing]);
    });
  });

  describe('Prometheus', () => {
    it('an unreachable Prometheus gives exit 2 naming the URL and the query', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(['analyze', '--upgrade', base.upgradePath, '--prometheus', url], { cwd: tmp.path });
      expectInputError(result, [url, 'cannot connect', /while running \S+ http_(server_request_duration_seconds_bucket|client_re\w+_total)/]);
    });
  });

  describe('usage', () => {
    it.each([
      ['an unknown flag', ['--upgrade', 'u.json', '--metrics', 'm.om', '--frobnicate'], '--frobnicate'],
      ['no --upgrade', ['--metrics', 'm.om'], '--upgrade'],
      ['no metrics source', ['--upgrade', 'u.json'], '--metrics'],
      ['both --metrics and --prometheus', ['--upgrade', 'u.json', '--metrics', 'm.om', '--prometheus', 'http://127.0.0.1:9'], 'not both'],
      ['a bad --format', ['--upgrade', 'u.json', '--metrics', 'm.om', '--format', 'xml'], 'json, table or markdown'],
      ['a --prometheus that is not a URL', ['--upgrade', 'u.json', '--prometheus', 'prometheus:9090'], 'http://'],
    ])('%s is a usage error (exit 2) pointing to --help', async (_case, args, fragment) => {
      const withPaths = args.map((a) => (a === 'u.json' ? base.upgradePath : a === 'm.om' ? base.metricsPath : a));
      expectInputError(await runCli(['analyze', ...withPaths], { cwd: tmp.path }), [fragment, '--help']);
    });

    it('an --out path in a directory that does not exist gives exit 2 naming the path, not an internal error', async () => {
      const out = join(tmp.path, 'no-such-dir', 'report.json');
      expectInputError(await analyzeMetrics(base.metricsPath, '--out', out), [out]);
    });

    it('an unknown command is a usage error', async () => {
      expectInputError(await runCli(['analyse']), ['analyse', '--help']);
    });
  });
});

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
