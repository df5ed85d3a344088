/**
 * Issue 3's OTLP must-show, end to end: the real OpenTelemetry JS SDK (`@opentelemetry/sdk-metrics`
 * MeterProvider, the OTLP/HTTP protobuf and JSON exporters) sends 56 minutes of simulated history
 * (the minute scale of push-scenario.ts, ending a minute ago) to a real `shiftguard serve` at
 * `/v1/metrics` with the ingest token: one provider per instance and process, one collection and
 * export per simulated 15 s scrape with the SDK's clock (`Date` only, timers and sockets stay real)
 * set to the scrape's time. The upgrade is then registered, and the service's report, computed from
 * the pushed data, must give every group the same verdict and top suspect as `analyze --metrics` on
 * the same observations written as OpenMetrics.
 */
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import { findGroup, parseContractReport } from './contract-report.js';
import type { ContractReport } from './contract-report.js';
import { planOtlpReplay, replayThroughSdk } from './otlp-replay.js';
import type { OtlpReplayPlan, OtlpReplaySetup } from './otlp-replay.js';
import { pushHistoryStartMs, pushScenario, pushScrapeIntervalMs, pushWindowsYaml, PUSH_SEED } from './push-scenario.js';
import { expectSameStatistics, expectSameVerdicts, ingestCounters, printVerdictTable, PUSH_TOKENS, registerAndReport, startPushService } from './push-service.js';
import type { PushService } from './push-service.js';
import { makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { writeJsonFile, writeSeriesFile } from './scenario-files.js';
import type { ScenarioBundle } from '../../src/sim/upgrade-description.js';

/** Time unit of the replayed history: a minute (see push-scenario.ts). */
const UNIT_MS = 60_000;

type Encoding = Omit<OtlpReplaySetup, 'url' | 'headers'>;
const SETUPS: readonly Encoding[] = [
  { encoding: 'protobuf', temporality: 'cumulative', gzip: true },
  { encoding: 'json', temporality: 'cumulative', gzip: false },
  { encoding: 'json', temporality: 'delta', gzip: true },
];

describe('OTLP from the real OpenTelemetry SDK replaying simulated history', () => {
  let tmp: TempDir | undefined;
  let bundle: ScenarioBundle;
  let plan: OtlpReplayPlan;
  let fromFile: ContractReport;
  const configYaml = pushWindowsYaml(UNIT_MS);

  beforeAll(async () => {
    tmp = makeTempDir('push-otlp');
    bundle = pushScenario(PUSH_SEED, pushHistoryStartMs(Date.now()), UNIT_MS);
    const fleet = simulateFleet(bundle.scenario);
    plan = planOtlpReplay(fleet.series, fleet.truth, pushScrapeIntervalMs(UNIT_MS));
    const metricsPath = join(tmp.path, 'observed.om');
    const upgradePath = join(tmp.path, 'push.upgrade.json');
    const configPath = join(tmp.path, 'shiftguard.yaml');
    await writeSeriesFile(metricsPath, plan.observed);
    await writeJsonFile(upgradePath, bundle.upgrade);
    writeFileSync(configPath, configYaml);
    const result = await runCli(['analyze', '--upgrade', upgradePath, '--metrics', metricsPath, '--config', configPath, '--format', 'json'], { cwd: tmp.path });
    expect([0, 3], `analyze --metrics exit code; stderr:\n${result.stderr}`).toContain(result.code);
    fromFile = parseContractReport(result.stdout);
  });

  afterAll(() => {
    tmp?.remove();
  });

  describe.each(SETUPS)('$encoding, $temporality, gzip $gzip', (setup) => {
    let service: PushService | undefined;
    let exports = 0;
    let fromService: ContractReport;

    beforeAll(async () => {
      const dir = join(tmp?.path ?? '', `serve-${setup.encoding}-${setup.temporality}`);
      mkdirSync(dir);
      service = await startPushService(dir, configYaml);
      const target: OtlpReplaySetup = { ...setup, url: `${service.base}/v1/metrics`, headers: { Authorization: `Bearer ${PUSH_TOKENS.ingest}` } };
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        exports = await replayThroughSdk(plan, target, (ms) => vi.setSystemTime(ms));
      } finally {
        vi.useRealTimers();
      }
      fromService = await registerAndReport(service, bundle.upgrade);
    });

    afterAll(async () => {
      await service?.stop();
    });

    it('exported every scrape of every instance, and serve accepted every point without a rejection', async () => {
      expect(exports).toBe(plan.stepTimesMs.length * plan.instances.length);
      const counters = await ingestCounters(service as PushService);
      expect(counters.rejected).toEqual({});
      expect(counters.ingested['otlp']).toBe(plan.observed.reduce((n, s) => n + s.values.length, 0));
    });

    it('reports the same verdicts from the pushed data as analyze --metrics on the same observations', () => {
      const reports = { [`serve (OTLP ${setup.encoding} ${setup.temporality})`]: fromService, 'analyze --metrics': fromFile };
      printVerdictTable(`push scenario seed ${PUSH_SEED}, OTLP ${setup.encoding} ${setup.temporality}${setup.gzip ? ' gzip' : ''}: verdict and top suspect per group`, reports);
      expectSameVerdicts(reports);
      const route = findGroup(fromService, 'latency', { service: 'gateway', endpoint: '/v1/route' });
      expect(route.verdict).toBe('regression');
      expect(route.suspects[0]?.binary).toBe('dten-gateway');
    });

    // Delta points are booked in the slice whose (start, end] holds their time, so exports exactly at
    // slice boundaries give the same increments as cumulative samples: the statistics match too.
    it('computes the same statistics as analyze --metrics: the pushed data is the same data', () => {
      expectSameStatistics({ serve: fromService, 'analyze --metrics': fromFile });
    });
  });
});
