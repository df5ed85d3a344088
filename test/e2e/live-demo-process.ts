/**
 * `shiftguard demo` (the built CLI) as a child process on a free port, for the end-to-end tests that
 * need the live story (the review page in a browser, the dashboards against Prometheus): resolves once
 * the demo printed its page's address and tokens.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stopProcess } from '../support/stop-process.js';
import { freePort } from './free-port.js';
import { CLI_PATH } from './run-cli.js';

/** A running demo. */
export interface DemoProcess {
  readonly child: ChildProcess;
  /** Base URL of its `serve`, without a trailing slash. */
  readonly url: string;
  readonly operator: string;
  readonly viewer: string;
  stderr(): string;
  /** GET of an API path with the viewer token, parsed. */
  get<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

const PRINTED = /Review page: (\S+)\/\n[\s\S]*operator token (\S+)\n[\s\S]*viewer token (\S+);/;

/**
 * Starts the demo in `dir` (its files go to `dir/data/demo/live`), with `env` added to this process's
 * environment minus its `UNLEASH_*` variables (in-memory flags unless `env` names an Unleash).
 */
export async function startDemoProcess(dir: string, env: Record<string, string> = {}): Promise<DemoProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('UNLEASH_')));
  const child = spawn(process.execPath, [CLI_PATH, 'demo', '--listen', `127.0.0.1:${port}`, '--duration', '15m'], { cwd: dir, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  let m = PRINTED.exec(stdout);
  while (m === null) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`the demo did not print its page within 60 s:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    m = PRINTED.exec(stdout);
  }
  const [, url = '', operator = '', viewer = ''] = m;
  return {
    child,
    url,
    operator,
    viewer,
    stderr: () => stderr,
    get: async <T>(path: string): Promise<T> => {
      const response = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${viewer}` } });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    stop: () => stopProcess(child),
  };
}

/** Polls `probe` every second until it gives a value; the error names `what` and the demo's log tail. */
export async function untilDemo<T>(demo: DemoProcess, what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${demo.stderr().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
