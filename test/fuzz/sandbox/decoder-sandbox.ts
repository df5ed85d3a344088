/**
 * The test side of the fuzz sandbox: a child process (`sandbox-child.ts`, run with tsx, heap capped)
 * that runs decoder targets one input at a time. Each input gets a hang guard: no answer within
 * `hangMs` (plus IPC slack) and the child is killed and the input reported as hung; a child that
 * dies (a fatal V8 error, out of memory) is reported with the end of its stderr. Either way the next
 * input gets a fresh child, and fast-check gets a failing input it can shrink and print.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxOutcome, SandboxReady, SandboxReply, TargetModule, TargetParams } from './sandbox-protocol.js';

/** Heap limit of the child, MB: inputs are small, so a decoder that needs more has unbounded memory. */
export const SANDBOX_HEAP_MB = 512;
/** Time allowed beyond the hang guard for the answer to travel and for a busy machine, ms. */
const DEFAULT_SLACK_MS = 1_000;
/** Time allowed for the child to load every target, ms. */
const START_TIMEOUT_MS = 60_000;
const STDERR_KEPT_CHARS = 2_000;
const CHILD = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How one input went, with its target and size. */
export interface SandboxVerdict {
  readonly target: string;
  readonly bytes: number;
  readonly outcome: SandboxOutcome;
  /** Time the call took in the child, ms (the guard's limit when it hung or died). */
  readonly elapsedMs: number;
}

/** The environment variable naming the directory a child may write files to (owned and removed by the test side). */
export const SANDBOX_DIR_ENV = 'SHIFTGUARD_FUZZ_DIR';

/** A running sandbox; {@link DecoderSandbox.close} it after the tests. */
export class DecoderSandbox {
  private child: { readonly process: ChildProcess; readonly ready: Promise<void> } | undefined;
  /** A temporary directory for the children's files, made on first start (a killed child cannot clean up). */
  private dir: string | undefined;
  private stderrTail = '';
  private nextId = 1;
  /** The slowest input so far (elapsed ms in the child), for the record. */
  slowest = { target: '', elapsedMs: 0, bytes: 0 };

  /**
   * @param modules the target modules the child loads (only those: loading is most of its start-up)
   * @param hangMs the hang guard per input, ms
   * @param slackMs time allowed beyond it before the child is killed, ms
   */
  constructor(
    private readonly modules: readonly TargetModule[],
    readonly hangMs: number,
    private readonly slackMs = DEFAULT_SLACK_MS,
  ) {}

  /** Runs `target` on `input` in the child. */
  async run(target: string, input: Uint8Array, params: TargetParams = {}): Promise<SandboxVerdict> {
    const child = await this.started();
    const id = this.nextId++;
    const reply = await new Promise<{ outcome: SandboxOutcome; elapsedMs: number }>((resolve) => {
      const finish = (outcome: SandboxOutcome, elapsedMs: number): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve({ outcome, elapsedMs });
      };
      const onMessage = (message: SandboxReply): void => {
        if (message.id === id) finish(message.outcome, message.elapsedMs);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.child = undefined;
        finish({ kind: 'died', reason: `the sandbox exited (code ${code}, signal ${signal}); its stderr ended with:\n${this.stderrTail}` }, this.hangMs);
      };
      const timer = setTimeout(() => {
        this.kill();
        finish({ kind: 'hung' }, this.hangMs);
      }, this.hangMs + this.slackMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, target, input, params });
    });
    if (reply.elapsedMs > this.slowest.elapsedMs) this.slowest = { target, elapsedMs: reply.elapsedMs, bytes: input.length };
    return { target, bytes: input.length, ...reply };
  }

  /** Stops the child (if running), waits for it to exit, and removes the temporary directory. */
  async close(): Promise<void> {
    const child = this.child?.process;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private kill(): void {
    this.child?.process.kill('SIGKILL');
    this.child = undefined;
  }

  /** The running child, started (and waited for) when there is none. */
  private async started(): Promise<ChildProcess> {
    this.child ??= this.spawn();
    await this.child.ready;
    return this.child.process;
  }

  private spawn(): { process: ChildProcess; ready: Promise<void> } {
    this.stderrTail = '';
    this.dir ??= mkdtempSync(join(tmpdir(), 'shiftguard-fuzz-'));
    const child = fork(CHILD, [...this.modules], {
      cwd: REPO_ROOT,
      env: { ...process.env, [SANDBOX_DIR_ENV]: this.dir },
      execArgv: ['--import', 'tsx', `--max-old-space-size=${SANDBOX_HEAP_MB}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEPT_CHARS);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fuzz sandbox did not start within ${START_TIMEOUT_MS} ms: ${this.stderrTail}`)), START_TIMEOUT_MS);
      child.once('message', (message: SandboxReady) => {
        clearTimeout(timer);
        if (message.ready) resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the fuzz sandbox exited while starting (code ${code}): ${this.stderrTail}`));
      });
    });
    return { process: child, ready };
  }
}
