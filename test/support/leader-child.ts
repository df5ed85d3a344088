/**
 * A tuner replica in a child process, for the leader-election tests that pause (SIGSTOP) or kill
 * (SIGKILL) a leader: the child runs a PostgreSQL leader elector and a PostgreSQL state store on the
 * database it is given, prints one JSON line per leadership change (`{"event":"change","epoch":…}`),
 * and answers JSON commands read from stdin, one per line, each carrying an `id` echoed in its reply:
 * `current`, `confirm`, `write` (creates a decision with the given leader epoch) and `stop`.
 *
 * Usage (child): `node --import tsx test/support/leader-child.ts <database url> <holder> <leaseMs>`;
 * the test side uses {@link spawnLeaderChild}.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decisionInput } from '../../src/store/contract-fixtures.js';
import { PostgresStateStore } from '../../src/store/postgres-state-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { createPostgresLeaderElector } from '../../src/tune/postgres-leader-elector.js';
import { stopProcess } from './stop-process.js';

/** A command the test sends. */
export type LeaderChildCommand =
  | { readonly cmd: 'current' }
  | { readonly cmd: 'confirm' }
  | { readonly cmd: 'write'; readonly upgradeId: string; readonly leaderEpoch: number }
  | { readonly cmd: 'stop' };

/** A line the child prints: a change, its start, or the reply to command `id`. */
export type LeaderChildMessage =
  | { readonly event: 'started' }
  | { readonly event: 'change'; readonly epoch: number | null }
  | { readonly event: 'reply'; readonly id: number; readonly epoch?: number | null; readonly written?: string; readonly error?: { code: string; name: string; message: string } };

/** The test's handle on a child replica. */
export interface LeaderChild {
  readonly process: ChildProcess;
  /** Everything the child printed so far, in order. */
  readonly messages: readonly LeaderChildMessage[];
  /** The first message (already printed or to come) that matches; rejects after `timeoutMs` or when the child exits. */
  waitFor(what: string, match: (message: LeaderChildMessage) => boolean, timeoutMs: number): Promise<LeaderChildMessage>;
  /** Sends a command and waits for its reply. */
  request(command: LeaderChildCommand, timeoutMs: number): Promise<LeaderChildMessage & { event: 'reply' }>;
  /** Stops the child (SIGCONT first, in case it is paused); resolves once it exited. */
  kill(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = join(dirname(SELF), '..', '..');

/** Starts a child replica and resolves once its elector has started (leading or following). */
export async function spawnLeaderChild(url: string, holder: string, leaseMs: number, startTimeoutMs: number): Promise<LeaderChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, url, holder, String(leaseMs)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const messages: LeaderChildMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let exited: string | null = null;
  let nextId = 1;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    messages.push(JSON.parse(line) as LeaderChildMessage);
    for (const wake of [...waiters]) wake();
  });
  child.on('exit', (code, signal) => {
    exited = `child ${holder} exited (code ${code}, signal ${signal}); stderr: ${stderr}`;
    for (const wake of [...waiters]) wake();
  });

  const waitFor = (what: string, match: (message: LeaderChildMessage) => boolean, timeoutMs: number): Promise<LeaderChildMessage> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = messages.find(match);
        if (found !== undefined || exited !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          if (found !== undefined) resolve(found);
          else reject(new Error(`waiting for ${what}: ${exited}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from child ${holder}; messages ${JSON.stringify(messages)}; stderr: ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const handle: LeaderChild = {
    process: child,
    messages,
    waitFor,
    request: async (command, timeoutMs) => {
      const id = nextId++;
      child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
      const reply = await waitFor(`reply to ${command.cmd}`, (m) => m.event === 'reply' && m.id === id, timeoutMs);
      return reply as LeaderChildMessage & { event: 'reply' };
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
      await stopProcess(child, 2_000);
    },
  };
  try {
    await waitFor('start', (m) => m.event === 'started', startTimeoutMs);
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}

/** The child's main: elector and store on `url`, commands from stdin, messages to stdout. */
async function runChild(url: string, holder: string, leaseMs: number): Promise<void> {
  const print = (message: LeaderChildMessage): void => {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  };
  const store = new PostgresStateStore({ url, applicationName: `${holder}-store` });
  await store.open();
  const elector = createPostgresLeaderElector({ url, store, holder, leaseMs, applicationName: holder });
  elector.onChange((epoch) => print({ event: 'change', epoch }));
  await elector.start();
  print({ event: 'started' });
  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line) as LeaderChildCommand & { id: number };
    if (request.cmd === 'current') print({ event: 'reply', id: request.id, epoch: elector.current() });
    else if (request.cmd === 'confirm') print({ event: 'reply', id: request.id, epoch: await elector.confirm() });
    else if (request.cmd === 'write') {
      try {
        const written = await store.createDecision(decisionInput(request.upgradeId, { leaderEpoch: request.leaderEpoch, requestedBy: holder }));
        print({ event: 'reply', id: request.id, written: written.id });
      } catch (error) {
        const { code, name, message } = error instanceof StoreError ? error : { code: 'unknown', name: 'Error', message: String(error) };
        print({ event: 'reply', id: request.id, error: { code, name, message } });
      }
    } else {
      await elector.stop();
      await store.close();
      print({ event: 'reply', id: request.id });
      return;
    }
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const [url, holder, leaseMs] = process.argv.slice(2);
  if (url === undefined || holder === undefined || leaseMs === undefined) {
    process.stderr.write('usage: leader-child.ts <database url> <holder> <leaseMs>\n');
    process.exit(2);
  }
  await runChild(url, holder, Number(leaseMs));
  // stdin stays open after the stop command; nothing else is left to do.
  process.exit(0);
}
