/**
 * Issue 3's remote-write must-show, end to end: a real Prometheus 2.42 scrapes the live simulator
 * exporter every 100 ms (explicit sample timestamps, `honor_labels` so the scenario's own `instance`
 * label survives) and remote-writes to a real `shiftguard serve` with the ingest token.
 *
 * Prometheus' remote-write forwards only samples newer than its own start (its WAL watcher skips
 * older ones), so simulated history cannot be remote-written: the scenario runs live instead, on the
 * second scale of push-scenario.ts (the same counts as the minute scale, 56 s of data with 1 s slices,
 * scraped every 250 ms), starting just after Prometheus is ready, the exporter serving each step once
 * the wall clock has reached it. Once the stream is over and the remote-write queue has caught up,
 * the upgrade is registered; the service's final report (once the after window is complete by its
 * clock), computed from the pushed data, must give every group the same verdict and top suspect as
 * `analyze --prometheus` on that same Prometheus and `analyze --metrics` on the OpenMetrics file of
 * the same simulated series, and the same statistics as the latter.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateFleet } from '../../src/sim/fleet-simulator.js';
import { startLiveExporter } from '../../src/sim/live-exporter.js';
import type { LiveExporter } from '../../src/sim/live-exporter.js';
import type { RawSeries } from '../../src/series/model.js';
import type { ScenarioBundle } from '../../src/sim/upgrade-description.js';
import { startPrometheus } from '../support/prometheus-process.js';
import type { PrometheusProcess } from '../support/prometheus-process.js';
import { PROMETHEUS_BIN, prometheusUnavailableReason } from './backfilled-prometheus.js';
import { findGroup, groupKey, parseContractReport } from './contract-report.js';
import { freePort } from './free-port.js';
import type { ContractReport } from './contract-report.js';
import { pushScenario, pushWindowsYaml, PUSH_SEED, PUSH_SPAN_UNITS } from './push-scenario.js';
import { expectSameStatistics, expectSameVerdicts, ingestCounters, printVerdictTable, PUSH_TOKENS, registerAndReport, startPushService } from './push-service.js';
import type { PushService } from './push-service.js';
import { makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { writeJsonFile, writeSeriesFile } from './scenario-files.js';

const unavailable = prometheusUnavailableReason();
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED serve-push-prometheus e2e test: ${unavailable}`);

/** Time unit of the live scenario: a second (see push-scenario.ts). */
const UNIT_MS = 1000;
/** Prometheus scrapes the live exporter this often, faster than the simulated 250 ms, so each step goes out on time. */
const SCRAPE_INTERVAL = '100ms';
/** Longest wait for the stream beyond its own length, ms. */
const STREAM_SLACK_MS = 30_000;
/** Names of the series Prometheus adds to every scrape itself (wall-clock timestamps), as a PromQL regex. */
const SCRAPE_REPORT_SERIES = 'up|scrape_.+';
/** Longest wait for the remote-write queue to catch up once the replay is done, ms. */
const CATCH_UP_TIMEOUT_MS = 30_000;

describe.skipIf(unavailable !== null && !inCi)('remote-write from a real Prometheus scraping the live simulator', () => {
  let tmp: TempDir | undefined;
  let service: PushService | undefined;
  let exporter: LiveExporter | undefined;
  let prometheus: PrometheusProcess | undefined;
  let bundle: ScenarioBundle;
  let series: RawSeries[] = [];
  let metricsPath = '';
  let upgradePath = '';
  let configPath = '';

  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the serve-push-prometheus e2e test must run, but ${unavailable}`);
    tmp = makeTempDir('push-prometheus');
    const configYaml = pushWindowsYaml(UNIT_MS);
    const serveDir = join(tmp.path, 'serve');
    const promDir = join(tmp.path, 'prometheus');
    mkdirSync(serveDir);
    mkdirSync(promDir);
    service = await startPushService(serveDir, configYaml);
    const exporterPort = await freePort();
    const promConfig = join(promDir, 'prometheus.yml');
    writeFileSync(promConfig, prometheusConfig(`127.0.0.1:${exporterPort}`, `${service.base}/api/v1/write`));
    prometheus = await startPrometheus({ binary: PROMETHEUS_BIN, configPath: promConfig, dir: promDir });
    // Remote-write started before Prometheus became ready: every sample from here on is forwarded.
    const startMs = Math.ceil(Date.now() / UNIT_MS) * UNIT_MS + UNIT_MS;
    bundle = pushScenario(PUSH_SEED, startMs, UNIT_MS);
    series = simulateFleet(bundle.scenario).series;
    exporter = await startLiveExporter({ series, port: exporterPort, clock: () => Date.now() });
    const streamMs = startMs + PUSH_SPAN_UNITS * UNIT_MS - Date.now() + STREAM_SLACK_MS;
    await withinMs(exporter.done, streamMs, `the live stream of ${exporter.steps} steps (served ${exporter.served()}; log: ${prometheus.logPath})`);
    await remoteWriteCaughtUp(prometheus, exporter.lastStepServedAtMs());
    // Written only now: formatting megabytes of text would hold up the exporter's answers to scrapes.
    metricsPath = join(tmp.path, 'push.om');
    upgradePath = join(tmp.path, 'push.upgrade.json');
    configPath = join(tmp.path, 'shiftguard.yaml');
    await writeSeriesFile(metricsPath, series);
    await writeJsonFile(upgradePath, bundle.upgrade);
    writeFileSync(configPath, configYaml);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
    await service?.stop();
    tmp?.remove();
  });

  it('Prometheus stored every simulated sample, and serve accepted them all without a rejection', async () => {
    const simulated = series.reduce((n, s) => n + s.values.length, 0);
    // The raw samples of every replayed series (a range selector at the last step's time).
    const query = `{job="sim",__name__!~"${SCRAPE_REPORT_SERIES}"}[5m]`;
    const response = await fetch(`${prometheus?.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${(exporter?.lastStepTimeMs ?? 0) / 1000}`);
    const body = (await response.json()) as { data?: { result: Array<{ values: unknown[] }> }; error?: string };
    expect(body.error, `query ${query}`).toBeUndefined();
    const stored = (body.data?.result ?? []).reduce((n, s) => n + s.values.length, 0);
    expect(stored, `samples of the replay in Prometheus (query ${query}); ${await failedScrapes(prometheus as PrometheusProcess)}`).toBe(simulated);
    const counters = await ingestCounters(service as PushService);
    expect(counters.rejected).toEqual({});
    expect(counters.ingested['remote_write'] ?? 0).toBeGreaterThanOrEqual(simulated);
  });

  it('reports the same verdicts from remote-written data as analyze --prometheus and analyze --metrics', async () => {
    const fromService = await registerAndReport(service as PushService, bundle.upgrade);
    const fromPrometheus = await analyzeJson(['--prometheus', prometheus?.url ?? '']);
    const fromFile = await analyzeJson(['--metrics', metricsPath]);
    const reports = { 'serve (remote-write)': fromService, 'analyze --prometheus': fromPrometheus, 'analyze --metrics': fromFile };
    printVerdictTable(`push scenario seed ${PUSH_SEED}: verdict and top suspect per group`, reports);
    expectSameVerdicts(reports);
    const route = findGroup(fromService, 'latency', { service: 'gateway', endpoint: '/v1/route' });
    expect(route.verdict).toBe('regression');
    expect(route.suspects[0]?.binary).toBe('dten-gateway');
    for (const group of fromService.groups) if (group !== route) expect(group.verdict, groupKey(group)).toBe('no_change');
    // The remote-written samples are the file's samples: everything the data decides is the same.
    expectSameStatistics({ 'serve (remote-write)': fromService, 'analyze --metrics': fromFile });
  });

  async function analyzeJson(source: readonly string[]): Promise<ContractReport> {
    const result = await runCli(['analyze', '--upgrade', upgradePath, ...source, '--config', configPath, '--format', 'json'], { cwd: tmp?.path });
    expect([0, 3], `analyze ${source.join(' ')} exit code; stderr:\n${result.stderr}`).toContain(result.code);
    return parseContractReport(result.stdout);
  }
});

function prometheusConfig(target: string, writeUrl: string): string {
  return [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL}`,
    `  scrape_timeout: ${SCRAPE_INTERVAL}`,
    'scrape_configs:',
    '  - job_name: sim',
    '    honor_labels: true',
    '    static_configs:',
    `      - targets: ['${target}']`,
    'remote_write:',
    `  - url: ${writeUrl}`,
    '    authorization:',
    `      credentials: ${PUSH_TOKENS.ingest}`,
    '    queue_config:',
    '      batch_send_deadline: 200ms',
    '      min_backoff: 50ms',
    '      max_backoff: 500ms',
    '    metadata_config:',
    '      send: true',
    '      send_interval: 1s',
    '',
  ].join('\n');
}

async function withinMs<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until Prometheus' remote-write queue has sent everything appended up to the replay's last
 * step: its highest sent timestamp is past the moment the last step was served (so a later scrape's
 * samples, appended after the last step's, went out) and nothing is pending.
 */
async function remoteWriteCaughtUp(prometheus: PrometheusProcess, lastStepServedAtMs: number): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const text = await (await fetch(`${prometheus.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const sentSeconds = metricValue(text, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds');
    const pending = metricValue(text, 'prometheus_remote_storage_samples_pending');
    last = `highest sent ${sentSeconds} s, pending ${pending}`;
    if (sentSeconds * 1000 > lastStepServedAtMs && pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`remote-write did not catch up within ${CATCH_UP_TIMEOUT_MS} ms (last step served at ${lastStepServedAtMs} ms; ${last}; log: ${prometheus.logPath})`);
}

/** How many scrapes of the exporter failed (each loses the step it was served), for failure messages. */
async function failedScrapes(prometheus: PrometheusProcess): Promise<string> {
  const query = 'sum(count_over_time(up{job="sim"}[5m])) - sum(sum_over_time(up{job="sim"}[5m]))';
  const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data?: { result: Array<{ value: [number, string] }> } };
  return `failed scrapes of the exporter: ${body.data?.result[0]?.value[1] ?? 'unknown'}`;
}

/** The value of the first sample of `name` in a text exposition, NaN when absent. */
function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
