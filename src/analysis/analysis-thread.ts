/**
 * Detection off the event loop. `serve`'s evaluations run in a worker thread, so a long analysis
 * (seconds at tens of thousands of series) never holds up ingest, the API or `/metrics`, and a
 * flood of pushes never holds up detection: the operating system shares the cores between the two.
 *
 * The source is read on the calling thread, where the pushed series live; the series then go to the
 * worker (moved, not copied, when the source hands its arrays over: `MetricsData.owned`), which runs
 * `runAnalysis` on them and answers with the report. One worker runs one analysis at a time; further
 * requests queue in its inbox. A worker that dies (out of memory, a crash) fails the analyses it
 * held and is replaced at the next request; an idle worker does not keep the process alive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import type { Report } from '../report/report.js';
import type { MetricsData } from '../series/model.js';
import type { Upgrade } from '../upgrades/upgrade.js';
import { analysisReadRequest } from './run-analysis.js';
import type { AnalysisRequest } from './run-analysis.js';

/** An analysis that failed because the thread could not run it (its worker died, or the thread is closed), not because of the analysis itself: retry. */
export class AnalysisUnavailableError extends Error {
  override readonly name = 'AnalysisUnavailableError';
}

/** What the calling thread sends the worker: everything of an {@link AnalysisRequest} but the source, plus the data read from it. */
export interface AnalysisJob {
  readonly id: number;
  readonly config: ShiftguardConfig;
  readonly upgrade: Upgrade;
  readonly data: MetricsData;
  readonly nowMs: number;
  readonly asOfMs?: number;
  readonly mode?: 'fixed' | 'sequential';
  /** Whether to send progress lines back. */
  readonly progress: boolean;
}

/** What the worker sends back: a progress line, then the report or the error. */
export type AnalysisAnswer =
  | { readonly id: number; readonly progress: string }
  | { readonly id: number; readonly report: Report }
  | { readonly id: number; readonly error: Error };

export interface AnalysisThread {
  /** `runAnalysis(request)`, with the statistics in the worker. */
  analyze(request: AnalysisRequest): Promise<Report>;
  /** How long the analysis the worker is on has been running, ms; 0 while the worker is idle. */
  busyForMs(): number;
  /** Stops the worker; analyses in flight fail. */
  close(): Promise<void>;
}

export interface AnalysisThreadOptions {
  /** The worker's heap limits; beyond them it dies and its analyses fail, the service does not. */
  readonly resourceLimits?: ResourceLimits;
  /** The worker's script (tests substitute one): the bundled or compiled `analysis-worker.js` by default. */
  readonly entry?: URL;
  /** Told when a worker dies other than by {@link AnalysisThread.close}, with what it said. */
  readonly onWorkerExit?: (error: Error) => void;
  /** Monotonic time, ms (default `performance.now`). */
  readonly now?: () => number;
}

interface Pending {
  readonly resolve: (report: Report) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((message: string) => void) | undefined;
}

/** Creates the thread; the worker starts at the first analysis. */
export function createAnalysisThread(options: AnalysisThreadOptions = {}): AnalysisThread {
  const pending = new Map<number, Pending>();
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;
  const now = options.now ?? (() => performance.now());
  /** When the worker began the analysis it is on (jobs run one at a time, in order); null while idle. */
  let busySince: number | null = null;

  function failAll(error: Error): void {
    const waiting = [...pending.values()];
    pending.clear();
    busySince = null;
    for (const p of waiting) p.reject(error);
  }

  function start(): Worker {
    const started = newWorker(options.entry ?? workerEntry(), options.resourceLimits);
    started.unref();
    let died: Error | null = null;
    started.on('message', (answer: AnalysisAnswer) => {
      const p = pending.get(answer.id);
      if (p === undefined) return;
      if ('progress' in answer) {
        p.onProgress?.(answer.progress);
        return;
      }
      pending.delete(answer.id);
      busySince = pending.size === 0 ? null : now();
      if (pending.size === 0) started.unref();
      if ('report' in answer) p.resolve(answer.report);
      else p.reject(answer.error);
    });
    started.on('error', (error) => (died = error));
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      if (closed) return;
      const error = new AnalysisUnavailableError(`the analysis worker stopped (${died === null ? `exit code ${code}` : died.message}); the analyses it held failed and the next one starts a new worker`);
      options.onWorkerExit?.(error);
      failAll(error);
    });
    return started;
  }

  return {
    analyze: async (request) => {
      if (closed) throw new AnalysisUnavailableError('the analysis thread is closed');
      const data = await request.source.read(analysisReadRequest(request));
      if (closed) throw new AnalysisUnavailableError('the analysis thread is closed');
      worker ??= start();
      const id = nextId++;
      const job: AnalysisJob = {
        id,
        config: request.config,
        upgrade: request.upgrade,
        data,
        nowMs: (request.now?.() ?? new Date()).getTime(),
        ...(request.asOfMs === undefined ? {} : { asOfMs: request.asOfMs }),
        ...(request.mode === undefined ? {} : { mode: request.mode }),
        progress: request.onProgress !== undefined,
      };
      const answered = new Promise<Report>((resolve, reject) => pending.set(id, { resolve, reject, onProgress: request.onProgress }));
      worker.ref();
      busySince ??= now();
      worker.postMessage(job, data.owned === true ? transferables(data) : []);
      return answered;
    },
    busyForMs: () => (busySince === null ? 0 : now() - busySince),
    close: async () => {
      closed = true;
      const running = worker;
      worker = null;
      failAll(new AnalysisUnavailableError('the analysis thread is closed'));
      if (running !== null) await running.terminate();
    },
  };
}

/** The series' buffers, once each (a buffer listed twice cannot be moved). */
function transferables(data: MetricsData): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const s of data.series) {
    for (const array of [s.timestampsMs, s.values]) if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  }
  return [...buffers];
}

/**
 * The worker script next to this module: `analysis-worker.js` when running compiled (tsc's
 * `dist/analysis/`, or `dist/bundle/`, where the bundler emits it as an entry of its own), else
 * the TypeScript source (tests and the bench run the sources).
 */
function workerEntry(): URL {
  const compiled = new URL('./analysis-worker.js', import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL('./analysis-worker.ts', import.meta.url);
}

/**
 * A worker running `entry`. A TypeScript entry (the sources, run by tests through tsx) loads through
 * tsx's loader, registered inside the worker: Node 20 does not apply `--import` hooks to workers.
 */
function newWorker(entry: URL, resourceLimits: ResourceLimits | undefined): Worker {
  const options = resourceLimits === undefined ? {} : { resourceLimits };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); }).catch((error) => { console.error(error); process.exit(70); });`;
  return new Worker(boot, { ...options, eval: true });
}
