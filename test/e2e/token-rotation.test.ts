/**
 * Token rotation without a restart, with `shiftguard serve` as a real process: the tokens file's
 * entries are made with `shiftguard token hash`; replacing alice's token in the file makes the old
 * one 401 and the new one 200 within about a second, in the same process. A bad file keeps the last
 * good table (and says so in the log, with file:line, and in `shiftguard_tokens_file_valid`); a bad
 * file at start stops `serve` with exit 2.
 */
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPushService } from './push-service.js';
import type { PushService } from './push-service.js';
import { CLI_PATH, expectInputError, makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';

const OLD = 'alice-old-7d1c40f2a9';
const NEW = 'alice-new-52be8e01c3';
/** A generous hang guard (the watch checks once a second); never a performance bound. */
const ROTATION_GUARD_MS = 15_000;

/** `printf %s TOKEN | shiftguard token hash --name NAME --role ROLE`. */
function hashLine(token: string, name: string, role: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'token', 'hash', '--name', name, '--role', role], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`token hash exited ${code}: ${err}`))));
    child.stdin.end(token);
  });
}

/** Replaces the file as a ConfigMap update or an editor does: write aside, rename over. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.next`, text);
  renameSync(`${path}.next`, path);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ROTATION_GUARD_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ROTATION_GUARD_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('token rotation without a restart', () => {
  let tmp: TempDir | undefined;
  let service: PushService | undefined;
  let tokensPath = '';

  beforeAll(async () => {
    tmp = makeTempDir('tokens');
    tokensPath = join(tmp.path, 'tokens.yaml');
    writeFileSync(tokensPath, await hashLine(OLD, 'alice', 'operator'));
    service = await startPushService(tmp.path, 'store: { url: "sqlite:./data/shiftguard.db" }\n', { env: { SHIFTGUARD_TOKENS_FILE: tokensPath } });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    tmp?.remove();
  });

  const as = (token: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${service?.base ?? ''}/api/v1/upgrades`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const gauges = async (): Promise<{ valid: number; loadedAt: number }> => {
    const text = await (await fetch(`${service?.base ?? ''}/metrics`)).text();
    return { valid: Number(/^shiftguard_tokens_file_valid (\S+)$/m.exec(text)?.[1]), loadedAt: Number(/^shiftguard_tokens_file_loaded_timestamp_seconds (\S+)$/m.exec(text)?.[1]) };
  };

  it('old token works; the file is replaced; old gets 401 and new gets 200, in the same process', async () => {
    const pid = service?.child.pid;
    expect((await as(OLD)).status).toBe(200);
    const registered = await as(OLD, { method: 'POST', body: JSON.stringify({ id: 'u-rot', startedAt: '2026-04-10T12:00:00Z', binaries: [{ name: 'x' }] }) });
    expect(registered.status).toBe(201);
    expect((await as(NEW)).status).toBe(401);
    const before = await gauges();
    expect(before.valid).toBe(1);

    replaceFile(tokensPath, await hashLine(NEW, 'alice', 'operator'));
    await until('the old token refused', async () => (await as(OLD)).status === 401);
    expect((await as(NEW)).status).toBe(200);
    expect(service?.child.pid).toBe(pid);
    expect(service?.child.exitCode).toBeNull();
    const after = await gauges();
    expect(after).toMatchObject({ valid: 1 });
    expect(after.loadedAt).toBeGreaterThan(before.loadedAt);
    expect(service?.stdout()).toContain('"msg":"tokens file reloaded"');
  });

  it('keeps the last good table when the new file is bad, says where, and recovers', async () => {
    replaceFile(tokensPath, `${await hashLine(NEW, 'alice', 'operator')}- { name: bob, role: root, sha256: 00 }\n`);
    await until('the gauge showing the bad file', async () => (await gauges()).valid === 0);
    expect((await as(NEW)).status).toBe(200);
    const log = service?.stdout() ?? '';
    expect(log).toContain(`${tokensPath}:2:22: [1].role: expected viewer, operator or ingest, got \\"root\\"`);
    expect(log).toContain('stays in use');
    replaceFile(tokensPath, await hashLine(NEW, 'alice', 'operator'));
    await until('the gauge showing the good file again', async () => (await gauges()).valid === 1);
  });

  it('refuses to start with a bad tokens file (exit 2, file:line:column)', async () => {
    const bad = join(tmp?.path ?? '.', 'bad-tokens.yaml');
    writeFileSync(bad, '- { name: carol, role: operator }\n');
    const result = await runCli(['serve'], { cwd: tmp?.path, env: { SHIFTGUARD_TOKENS_FILE: bad, SHIFTGUARD_LISTEN: '127.0.0.1:0' }, killAfterMs: 30_000 });
    expectInputError(result, [`${bad}:1:3: [0].sha256: expected the SHA-256 of the token`]);
  });
});
