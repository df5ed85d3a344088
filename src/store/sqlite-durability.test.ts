/**
 * `kill -9` durability of the SQLite adapter: a child process writes decisions in a loop and prints
 * each id after its commit; the test SIGKILLs it after a seeded random number of lines, several
 * times over the same file, and checks after each kill that every printed write is in the database,
 * with its audit rows, and that the file passes `PRAGMA integrity_check`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../detect/random.js';
import { CRASH_UPGRADE_ID } from './sqlite-crash-writer.js';
import { SqliteStateStore } from './sqlite-state-store.js';

const WRITER = fileURLToPath(new URL('./sqlite-crash-writer.ts', import.meta.url));
const REPO_ROOT = join(dirname(WRITER), '..', '..');

interface KilledRun {
  readonly created: string[];
  readonly approved: string[];
  readonly signal: NodeJS.Signals | null;
}

/** Starts the writer on `path`, SIGKILLs it once it has printed `killAfterLines` lines, and returns every line it printed. */
function runAndKill(path: string, killAfterLines: number): Promise<KilledRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const created: string[] = [];
  const approved: string[] = [];
  const bad: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const match = /^(created|approved) ([1-9][0-9]*)$/.exec(line);
    if (match === null) bad.push(line);
    else (match[1] === 'created' ? created : approved).push(match[2] as string);
    if (created.length + approved.length >= killAfterLines) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || bad.length > 0) reject(new Error(`crash writer ended with code ${code}, signal ${signal}; unexpected lines ${JSON.stringify(bad)}; stderr: ${stderr}`));
      else resolve({ created, approved, signal });
    });
  });
}

describe('SQLite durability under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shiftguard-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every write the child reported committed, across several SIGKILLs at seeded random moments', async () => {
    const path = join(dir, 'crash.db');
    const rng = createRng(20260410);
    const reported = { created: new Set<string>(), approved: new Set<string>() };
    for (let round = 0; round < 4; round++) {
      const run = await runAndKill(path, 20 + rng.int(400));
      run.created.forEach((id) => reported.created.add(id));
      run.approved.forEach((id) => reported.approved.add(id));
      expect(run.created.length).toBeGreaterThan(0);

      const store = new SqliteStateStore({ path });
      await store.open();
      const decisions = new Map((await store.listDecisions({ upgradeId: CRASH_UPGRADE_ID })).map((d) => [d.id, d]));
      const audit = await store.listAudit({ limit: 10_000 });
      await store.close();
      for (const id of reported.created) expect(decisions.has(id), `decision ${id} printed as created`).toBe(true);
      for (const id of reported.approved) expect(decisions.get(id), `decision ${id} printed as approved`).toMatchObject({ status: 'approved', version: 2 });
      for (const decision of decisions.values()) {
        const actions = audit.filter((entry) => entry.subject === `decision/${decision.id}`).map((entry) => entry.action);
        expect(actions).toEqual(decision.version === 2 ? ['decision.created', 'decision.approved'] : ['decision.created']);
      }
      const raw = new BetterSqlite3(path, { readonly: true });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
    }
    expect(reported.created.size).toBeGreaterThan(80);
  });
});
