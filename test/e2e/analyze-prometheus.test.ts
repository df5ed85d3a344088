/**
 * The must-show of the issue: the same telemetry read from a file and from a real Prometheus gives
 * the same answer. Each seeded scenario is written as OpenMetrics, backfilled with promtool into a
 * Prometheus 2.x started here, and analysed twice by the built CLI (`--metrics FILE` and
 * `--prometheus URL`, same upgrade.json); group label sets, verdicts and top suspects must agree.
 * Numbers may differ slightly (query_range resamples at the scrape interval).
 * Without prometheus/promtool the suite is skipped, except under CI, where it fails.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtenStory, partialRolloutScenario } from '../../src/sim/scenarios.js';
import type { ScenarioBundle } from '../../src/sim/upgrade-description.js';
import { startBackfilledPrometheus, prometheusUnavailableReason } from './backfilled-prometheus.js';
import type { BackfilledPrometheus } from './backfilled-prometheus.js';
import { findGroup, groupKey, parseContractReport } from './contract-report.js';
import type { ContractReport } from './contract-report.js';
import { expectNoCrash, makeTempDir, runCli } from './run-cli.js';
import type { CliResult, TempDir } from './run-cli.js';
import { writeScenarioFiles } from './scenario-files.js';

const unavailable = prometheusUnavailableReason();
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED analyze --prometheus e2e tests: ${unavailable}`);

/** Inside the data of every scenario here (the upgrade starts at 12:00). */
const PROBE_AT_MS = Date.parse('2026-04-10T12:00:00Z');

interface Expected {
  readonly exitCode: number;
  /** Regressed groups and their top suspect. */
  readonly regressions: ReadonlyArray<{ readonly signal: string; readonly labels: Readonly<Record<string, string>>; readonly topSuspect: string }>;
}

interface Run {
  readonly result: CliResult;
  readonly report: ContractReport;
}

describe.skipIf(unavailable !== null && !inCi)('analyze --prometheus agrees with analyze --metrics', () => {
  describeScenario('dten story', () => dtenStory(1), {
    exitCode: 3,
    regressions: [
      { signal: 'latency', labels: { service: 'gateway', endpoint: '/v1/route' }, topSuspect: 'dten-gateway' },
      { signal: 'retries', labels: { service: 'sync', peer: 'partner-api' }, topSuspect: 'dten-sync' },
    ],
  });
  describeScenario('partial rollout under a load ramp', () => partialRolloutScenario(1), {
    exitCode: 3,
    regressions: [{ signal: 'latency', labels: { service: 'gateway', endpoint: '/v1/route' }, topSuspect: 'dten-gateway' }],
  });
});

function describeScenario(name: string, bundle: () => ScenarioBundle, expected: Expected): void {
  describe(name, () => {
    let tmp: TempDir | undefined;
    let prometheus: BackfilledPrometheus | undefined;
    let fromFile: Run;
    let fromPrometheus: Run;

    beforeAll(async () => {
      if (unavailable !== null) throw new Error(`CI is set, so the Prometheus e2e tests must run, but ${unavailable}`);
      tmp = makeTempDir('prometheus');
      const cwd = tmp.path;
      const files = await writeScenarioFiles(tmp.path, 'scenario', bundle());
      const promDir = join(tmp.path, 'prometheus');
      mkdirSync(promDir);
      prometheus = await startBackfilledPrometheus({ metricsPath: files.metricsPath, dir: promDir, probeQuery: 'count(dten_build_info)', probeAtMs: PROBE_AT_MS });
      const analyze = async (...source: string[]): Promise<Run> => {
        const result = await runCli(['analyze', '--upgrade', files.upgradePath, ...source, '--format', 'json'], { cwd });
        expectNoCrash(result);
        return { result, report: parseContractReport(result.stdout) };
      };
      [fromFile, fromPrometheus] = await Promise.all([analyze('--metrics', files.metricsPath), analyze('--prometheus', prometheus.url)]);
    });

    afterAll(async () => {
      await prometheus?.stop();
      tmp?.remove();
    });

    it('both runs exit with the expected code and read from where they were told', () => {
      expect(fromFile.result.code, fromFile.result.stderr).toBe(expected.exitCode);
      expect(fromPrometheus.result.code, fromPrometheus.result.stderr).toBe(expected.exitCode);
      expect(fromPrometheus.result.stderr).toContain('Prometheus');
      expect(fromFile.result.stderr).not.toContain('Prometheus');
    });

    it('both runs find the same groups with the same verdicts and top suspects', () => {
      const outline = (report: ContractReport): string[][] =>
        report.groups.map((g) => [groupKey(g), g.verdict, g.suspects[0]?.binary ?? '-']).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(outline(fromPrometheus.report)).toEqual(outline(fromFile.report));
      expect(fromPrometheus.report.summary).toEqual(fromFile.report.summary);
    });

    it('the expected groups are regressions with the expected top suspect', () => {
      for (const run of [fromFile, fromPrometheus]) {
        expect(run.report.summary.regressions).toBe(expected.regressions.length);
        for (const r of expected.regressions) {
          const group = findGroup(run.report, r.signal, r.labels);
          expect(group.verdict, groupKey(group)).toBe('regression');
          expect(group.suspects[0]?.binary, groupKey(group)).toBe(r.topSuspect);
        }
      }
    });

    it('the statistics agree closely (same names, relative changes within 2 points)', () => {
      for (const fileGroup of fromFile.report.groups) {
        const promGroup = findGroup(fromPrometheus.report, fileGroup.signal, fileGroup.labels);
        expect(promGroup.statistics.map((s) => s.name)).toEqual(fileGroup.statistics.map((s) => s.name));
        fileGroup.statistics.forEach((s, i) => {
          const other = promGroup.statistics[i]?.relativeChange ?? NaN;
          expect(Math.abs(other - (s.relativeChange ?? NaN)), `${groupKey(fileGroup)} ${s.name}`).toBeLessThanOrEqual(0.02);
        });
      }
    });
  });
}
