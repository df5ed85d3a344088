/**
 * `shiftguard serve` as a real process: bearer-token roles over HTTP, an upgrade registered through
 * the API, and its report computed from a real Prometheus (backfilled with promtool) with the same
 * verdicts as `analyze --prometheus` on the same data; graceful shutdown on SIGTERM.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtenStory } from '../../src/sim/scenarios.js';
import { startBackfilledPrometheus, prometheusUnavailableReason } from './backfilled-prometheus.js';
import type { BackfilledPrometheus } from './backfilled-prometheus.js';
import { findGroup, groupKey, parseContractReport } from './contract-report.js';
import { freePort } from './free-port.js';
import snappy from 'snappy';
import { CLI_PATH, REPO_ROOT, makeTempDir, runCli } from './run-cli.js';
import { PROMETHEUS_HEADERS } from '../fixtures/remote-write/write-request-encoder.js';
import type { TempDir } from './run-cli.js';
import { writeScenarioFiles } from './scenario-files.js';

const unavailable = prometheusUnavailableReason();
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
const TOKENS = { SHIFTGUARD_VIEWER_TOKEN: 'viewer-t', SHIFTGUARD_OPERATOR_TOKEN: 'operator-t', SHIFTGUARD_INGEST_TOKEN: 'ingest-t' };

describe.skipIf(unavailable !== null && !inCi)('shiftguard serve', () => {
  let tmp: TempDir | undefined;
  let prometheus: BackfilledPrometheus | undefined;
  let service: ChildProcess | undefined;
  let base = '';
  let upgradePath = '';
  let stderr = '';

  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the serve e2e tests must run, but ${unavailable}`);
    tmp = makeTempDir('serve');
    const files = await writeScenarioFiles(tmp.path, 'dten', dtenStory(1));
    upgradePath = files.upgradePath;
    const promDir = join(tmp.path, 'prometheus');
    mkdirSync(promDir);
    prometheus = await startBackfilledPrometheus({ metricsPath: files.metricsPath, dir: promDir, probeQuery: 'count(dten_build_info)', probeAtMs: Date.parse('2026-04-10T12:00:00Z') });
    const configPath = join(tmp.path, 'shiftguard.yaml');
    writeFileSync(configPath, `prometheus:\n  url: ${prometheus.url}\noutbound:\n  allowLoopback: true\n`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = spawn(process.execPath, [CLI_PATH, 'serve', '--config', configPath], {
      cwd: tmp.path,
      env: { ...process.env, ...TOKENS, SHIFTGUARD_LISTEN: `127.0.0.1:${port}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    service.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitUntilReady(`${base}/readyz`, 30_000);
  });

  afterAll(async () => {
    if (service && service.exitCode === null) service.kill('SIGKILL');
    await prometheus?.stop();
    tmp?.remove();
  });

  const call = (path: string, token?: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json', ...(init.headers ?? {}) } });

  it('answers 401 without a token and 403 for a token without the role', async () => {
    expect((await call('/api/v1/upgrades')).status).toBe(401);
    expect((await call('/api/v1/upgrades', TOKENS.SHIFTGUARD_INGEST_TOKEN)).status).toBe(403);
    const body = readFileSync(upgradePath, 'utf8');
    expect((await call('/api/v1/upgrades', TOKENS.SHIFTGUARD_VIEWER_TOKEN, { method: 'POST', body })).status).toBe(403);
  });

  it('registers the upgrade and serves the same verdicts as analyze --prometheus', async () => {
    const body = readFileSync(upgradePath, 'utf8');
    expect((await call('/api/v1/upgrades', TOKENS.SHIFTGUARD_OPERATOR_TOKEN, { method: 'POST', body })).status).toBe(201);
    const response = await call('/api/v1/upgrades/dten-2026.04/report', TOKENS.SHIFTGUARD_VIEWER_TOKEN);
    expect(response.status, stderr).toBe(200);
    const fromService = parseContractReport(await response.text());
    const cli = await runCli(['analyze', '--upgrade', upgradePath, '--prometheus', prometheus?.url ?? '', '--format', 'json'], { cwd: tmp?.path });
    const fromCli = parseContractReport(cli.stdout);
    const outline = (r: typeof fromCli): string[][] => r.groups.map((g) => [groupKey(g), g.verdict, g.suspects[0]?.binary ?? '-']).sort();
    expect(outline(fromService)).toEqual(outline(fromCli));
    expect(findGroup(fromService, 'latency', { service: 'gateway', endpoint: '/v1/route' }).verdict).toBe('regression');
  });

  it('refuses malformed pushes with the documented status over HTTP, and keeps serving', async () => {
    const rw = (body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${base}/api/v1/write`, {
        method: 'POST',
        body,
        headers: { ...PROMETHEUS_HEADERS, Authorization: `Bearer ${TOKENS.SHIFTGUARD_INGEST_TOKEN}`, ...headers },
      });
    const good = new Uint8Array(readFileSync(join(REPO_ROOT, 'test/fixtures/remote-write/prometheus-2.42.bin')));
    const answers = {
      truncatedSnappy: (await rw(good.subarray(0, good.length >> 1))).status,
      badProtobuf: (await rw(new Uint8Array(snappy.compressSync(Buffer.from([0x0f, 0xff, 0xff, 0xff]))))).status,
      wrongContentType: (await rw(good, { 'Content-Type': 'text/plain' })).status,
      // A snappy block declaring a 4 GiB decoded size: refused before decompressing.
      declares4GiB: (await rw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]))).status,
      otlpJsonWrongTypes: (
        await fetch(`${base}/v1/metrics`, {
          method: 'POST',
          body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 'abc', timeUnixNano: '1' }] } }] }] }] }),
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.SHIFTGUARD_INGEST_TOKEN}` },
        })
      ).status,
      ingestTokenOnOperatorRoute: (await call('/api/v1/upgrades', TOKENS.SHIFTGUARD_INGEST_TOKEN, { method: 'POST', body: '{}' })).status,
      noToken: (await rw(good, { Authorization: '' })).status,
    };
    expect(answers).toEqual({ truncatedSnappy: 400, badProtobuf: 400, wrongContentType: 415, declares4GiB: 413, otlpJsonWrongTypes: 400, ingestTokenOnOperatorRoute: 403, noToken: 401 });
    expect((await rw(good)).status).toBe(204);
    expect((await call('/readyz')).status).toBe(200);
  });

  it('exposes its metrics and OpenAPI document without a token', async () => {
    expect(await (await call('/metrics')).text()).toMatch(/shiftguard_http_requests_total/);
    const doc = (await (await call('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths).toHaveProperty('/api/v1/upgrades');
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => service?.once('exit', (code) => resolve(code)));
    service?.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service not ready at ${url} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
