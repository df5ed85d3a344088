/**
 * The analysis worker with two differences, for `src/analysis/analysis-thread.test.ts`: a job for
 * the upgrade `crash-the-worker` ends the thread (exit code 3) at once, and one for
 * `exhaust-the-heap` allocates until the heap limit kills it; every other job gets the real
 * worker's answer.
 */
import { parentPort } from 'node:worker_threads';
import type { AnalysisJob } from '../../src/analysis/analysis-thread.js';
import '../../src/analysis/analysis-worker.js';

// The real worker's handler, registered first, only queues the job: this one acts before it runs.
parentPort?.on('message', (job: AnalysisJob) => {
  if (job.upgrade.id === 'crash-the-worker') process.exit(3);
  if (job.upgrade.id === 'exhaust-the-heap') {
    const hog: number[][] = [];
    for (;;) hog.push(Array.from({ length: 100_000 }, (_, i) => i));
  }
});
