/**
 * OpenTelemetry traces of `shiftguard serve`, exported by the real Node SDK over OTLP/HTTP (JSON)
 * to a receiver in this test: a remote-write push makes an `ingest remote_write` span, a
 * registration makes a `detect upgrade` span, and SIGTERM flushes them. Without OTEL_* variables
 * nothing is sent.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { CLI_PATH, REPO_ROOT, makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { PROMETHEUS_HEADERS, remoteWriteBody } from '../fixtures/remote-write/write-request-encoder.js';
import { realisticWriteRequest } from '../fixtures/remote-write/realistic-write-request.js';

const TOKENS = { SHIFTGUARD_VIEWER_TOKEN: 'viewer-t', SHIFTGUARD_OPERATOR_TOKEN: 'operator-t', SHIFTGUARD_INGEST_TOKEN: 'ingest-t' };

interface ExportedSpan {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly service: unknown;
}

let receiver: Server;
let receiverUrl = '';
const received: ExportedSpan[] = [];
let tmp: TempDir;
let service: ChildProcess | undefined;

beforeAll(async () => {
  tmp = makeTempDir('traces');
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

afterEach(() => {
  if (service && service.exitCode === null) service.kill('SIGKILL');
  received.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  tmp.remove();
});

/** Flattens an OTLP JSON ExportTraceServiceRequest into spans with plain attribute values. */
function spansOf(body: unknown): ExportedSpan[] {
  const out: ExportedSpan[] = [];
  const request = body as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: { name: string; attributes?: KeyValue[] }[] }[] }[] };
  for (const rs of request.resourceSpans ?? []) {
    const service = attributesOf(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) out.push({ name: span.name, attributes: attributesOf(span.attributes), service });
  }
  return out;
}

type KeyValue = { key: string; value: Record<string, unknown> };

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = v['stringValue'] ?? (v['intValue'] !== undefined ? Number(v['intValue']) : undefined) ?? v['doubleValue'] ?? v['boolValue'];
  }
  return out;
}

async function startService(otel: Record<string, string>): Promise<{ base: string; stop: () => Promise<number | null> }> {
  const port = await freePort();
  const configPath = join(tmp.path, 'shiftguard.yaml');
  writeFileSync(configPath, `store:\n  url: sqlite:${join(tmp.path, `db-${port}.sqlite`)}\n`);
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--config', configPath], {
    cwd: tmp.path,
    env: { ...withoutOtel(process.env), ...TOKENS, ...otel, SHIFTGUARD_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  service = child;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
    if ((await fetch(`${base}/readyz`).catch(() => null))?.ok === true) break;
    if (i > 300) throw new Error(`serve not ready after 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

function withoutOtel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('OTEL_')));
}

async function pushAndRegister(base: string): Promise<void> {
  const body = remoteWriteBody(realisticWriteRequest({ seed: 3, targetBytes: 20_000, startMs: Date.now() - 60_000 }));
  const push = await fetch(`${base}/api/v1/write`, { method: 'POST', body, headers: { ...PROMETHEUS_HEADERS, Authorization: 'Bearer ingest-t' } });
  expect(push.status).toBe(204);
  const upgrade = readFileSync(join(REPO_ROOT, 'test/fixtures/upgrades/dten-2026.04.json'), 'utf8');
  const registered = await fetch(`${base}/api/v1/upgrades`, { method: 'POST', body: upgrade, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer operator-t' } });
  expect(registered.status).toBe(201);
  const report = await fetch(`${base}/api/v1/upgrades/dten-2026.04/report`, { headers: { Authorization: 'Bearer viewer-t' } });
  expect(report.status).toBe(200);
}

describe('serve traces (OpenTelemetry SDK)', () => {
  it('exports ingest and detection spans over OTLP/HTTP when OTEL_* variables configure it', async () => {
    const running = await startService({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiverUrl}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    await pushAndRegister(running.base);
    expect(await running.stop()).toBe(0);
    const ingest = received.find((s) => s.name === 'ingest remote_write');
    expect(ingest?.attributes).toMatchObject({ 'shiftguard.ingest.protocol': 'remote_write' });
    expect(Number(ingest?.attributes['shiftguard.ingest.samples_accepted'])).toBeGreaterThan(0);
    const detect = received.find((s) => s.name === 'detect upgrade');
    expect(detect?.attributes).toMatchObject({ 'shiftguard.upgrade': 'dten-2026.04' });
    expect(detect?.service).toBe('shiftguard');
  }, 60_000);

  it('sends nothing without OTEL_* configuration', async () => {
    const running = await startService({});
    await pushAndRegister(running.base);
    expect(await running.stop()).toBe(0);
    expect(received).toEqual([]);
  }, 60_000);
});
