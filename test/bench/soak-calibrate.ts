/**
 * The benchmark's sustained rate, measured as the remote-write section measures it (same fleet,
 * encoder, senders and receiver start-up; `remote-write-bench.ts`): a fresh `serve` gets a warm-up
 * round that creates every series, then measured rounds appending later scrapes, each from 4
 * senders with one request in flight; the rate is the median over the measured rounds of the
 * samples `serve` counted as accepted per second of wall time.
 */
import { join } from 'node:path';
import { buildFleet } from './remote-write-fleet.js';
import { encodeLabelSets, encodeRound } from './remote-write-load.js';
import { startShiftguardReceiver } from './remote-write-receivers.js';
import { measureRound } from './remote-write-rounds.js';
import { summarizeRuns } from './run-stats.js';

/** The remote-write section's scrape interval, ms. */
export const BENCH_SCRAPE_INTERVAL_MS = 15_000;
/** The remote-write section's senders and samples per request (its defaults). */
export const BENCH_SENDERS = 4;
export const BENCH_SAMPLES_PER_REQUEST = 2000;

export interface CalibrationOptions {
  /** Directory of the calibration receiver (created). */
  readonly dir: string;
  readonly seed: number;
  readonly series: number;
  /** Scrapes of the whole fleet per round. */
  readonly scrapesPerRound: number;
  /** Measured rounds after the warm-up. */
  readonly rounds: number;
  readonly progress: (message: string) => void;
  readonly now: () => number;
}

/** The sustained rate and the rounds it comes from. */
export interface Calibration {
  readonly samplesPerSecond: number;
  readonly roundSamplesPerSecond: readonly number[];
  readonly failedRequests: number;
}

/** Measures `serve`'s sustained remote-write rate. @throws Error when a round has failed requests (the rate would mean nothing). */
export async function calibrate(options: CalibrationOptions): Promise<Calibration> {
  const fleet = buildFleet({ seed: options.seed, targetSeries: options.series, scrapeIntervalMs: BENCH_SCRAPE_INTERVAL_MS });
  const labelBytes = encodeLabelSets(fleet);
  const startMs = options.now() - ((options.rounds + 1) * options.scrapesPerRound + 4) * BENCH_SCRAPE_INTERVAL_MS;
  // Every round is encoded before the receiver starts: encoding one takes seconds during which this
  // process cannot close an idle keep-alive connection, and the receiver closes it after 5 s idle,
  // so the next scrape of /metrics could reuse a connection the receiver has just closed.
  const rounds = Array.from({ length: options.rounds + 1 }, (_, index) =>
    encodeRound(fleet, { firstScrape: index * options.scrapesPerRound, scrapes: options.scrapesPerRound, startMs, senders: BENCH_SENDERS, samplesPerRequest: BENCH_SAMPLES_PER_REQUEST }, labelBytes),
  );
  const receiver = await startShiftguardReceiver({ dir: options.dir });
  const rates: number[] = [];
  let failedRequests = 0;
  try {
    for (const [index, load] of rounds.entries()) {
      const { run } = await measureRound(receiver, 'shiftguard serve', load, index);
      failedRequests += run.failedRequests;
      const rate = run.samplesAccepted / run.wallSeconds;
      options.progress(`soak: calibration ${index === 0 ? 'warm-up' : `round ${index}/${options.rounds}`}: ${rate.toFixed(0)} samples/s (${run.samplesAccepted}/${run.samplesSent} accepted, ${run.failedRequests} failed request(s))`);
      if (index > 0) rates.push(rate);
    }
  } finally {
    await receiver.stop();
  }
  if (failedRequests > 0) throw new Error(`soak: calibration had ${failedRequests} failed remote-write request(s); see ${join(options.dir, 'shiftguard.log')}`);
  return { samplesPerSecond: summarizeRuns(rates).median, roundSamplesPerSecond: rates, failedRequests };
}
