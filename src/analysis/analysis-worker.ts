/**
 * The analysis worker's entry (see `analysis-thread.ts`): runs `runAnalysis` on the series the
 * calling thread read and sent, and answers with the report, or with the error it threw.
 */
import { parentPort } from 'node:worker_threads';
import { runAnalysis } from './run-analysis.js';
import type { AnalysisJob, AnalysisAnswer } from './analysis-thread.js';

if (parentPort === null) throw new Error('analysis-worker.js runs as a worker thread (see analysis-thread.ts), not on its own');
const port = parentPort;

/** One analysis at a time, in the order the jobs came. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (job: AnalysisJob) => {
  queue = queue.then(async () => port.postMessage(await answer(job)));
});

async function answer(job: AnalysisJob): Promise<AnalysisAnswer> {
  try {
    const report = await runAnalysis({
      config: job.config,
      upgrade: job.upgrade,
      source: { read: () => Promise.resolve(job.data) },
      now: () => new Date(job.nowMs),
      ...(job.asOfMs === undefined ? {} : { asOfMs: job.asOfMs }),
      ...(job.mode === undefined ? {} : { mode: job.mode }),
      ...(job.progress ? { onProgress: (message: string) => port.postMessage({ id: job.id, progress: message } satisfies AnalysisAnswer) } : {}),
    });
    return { id: job.id, report };
  } catch (error) {
    // Errors clone with their message and stack; a plain value is wrapped so the caller gets an Error.
    return { id: job.id, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
