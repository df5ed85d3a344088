/**
 * The remote-write section of `npm run bench`: the same pre-encoded requests from the same load
 * generator, in the same run, into `shiftguard serve` (`POST /api/v1/write`) and into Prometheus' own
 * receiver (`--web.enable-remote-write-receiver`); samples/s of each and their ratio, and memory per
 * active series. Both receivers run for the whole section: warm-up rounds create every series (and
 * warm the JIT), measured rounds append later scrapes of the same series, each round to both
 * receivers, the order alternating from round to round.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatProfileSummary } from './cpu-profile-summary.js';
import { SERIES_PER_INSTANCE, buildFleet } from './remote-write-fleet.js';
import type { Fleet } from './remote-write-fleet.js';
import { compareIngest, formatIngestComparison, formatIngestTable, formatMemoryTable, ingestFigures, memoryFigures } from './remote-write-figures.js';
import type { IngestComparison, IngestFigures, IngestRun, MemoryFigures, MemorySnapshot } from './remote-write-figures.js';
import { encodeLabelSets, encodeRound } from './remote-write-load.js';
import type { LoadRound, RoundPlan } from './remote-write-load.js';
import { profileShiftguardReceiver } from './remote-write-profile.js';
import { startPrometheusReceiver, startShiftguardReceiver } from './remote-write-receivers.js';
import type { Receiver } from './remote-write-receivers.js';
import { measureRound, memorySnapshot } from './remote-write-rounds.js';
import { summarizeRuns } from './run-stats.js';

const execFileAsync = promisify(execFile);
const SCRAPE_INTERVAL_MS = 15_000;
/** Pause after start-up and after the last round before memory is read, ms (lets both settle). */
const SETTLE_MS = 2000;
const SHIFTGUARD = 'shiftguard serve';
const PROMETHEUS = 'Prometheus receiver';

export interface RemoteWriteBenchOptions {
  /** Directory for both receivers' state (created). */
  readonly dir: string;
  readonly seed: number;
  /** Active series wanted (rounded up to whole instances). */
  readonly targetSeries: number;
  /** Concurrent senders, as remote-write shards. */
  readonly senders: number;
  readonly samplesPerRequest: number;
  /** Scrapes of the whole fleet per round. */
  readonly scrapesPerRound: number;
  readonly repetitions: number;
  readonly warmups: number;
  /** Also profile a separate shiftguard receiver under `node --cpu-prof`. */
  readonly profile: boolean;
  readonly prometheusBinary: string;
  readonly progress: (message: string) => void;
  readonly out: (text: string) => void;
  /** Wall clock, epoch ms; the samples end about a minute before it. */
  readonly now: () => number;
}

/** Everything the section measured, for `results.json`. */
export interface RemoteWriteResults {
  readonly prometheusVersion: string;
  readonly load: { readonly instances: number; readonly series: number; readonly scrapeIntervalMs: number; readonly senders: number; readonly samplesPerRequest: number; readonly scrapesPerRound: number };
  readonly rounds: readonly { readonly round: number; readonly samples: number; readonly requests: number; readonly bodyBytes: number; readonly decodedBytes: number; readonly firstMs: number; readonly lastMs: number }[];
  readonly runs: readonly IngestRun[];
  readonly failures: readonly { readonly receiver: string; readonly round: number; readonly failures: Readonly<Record<string, number>>; readonly first: string | null }[];
  readonly ingest: readonly IngestFigures[];
  readonly memory: readonly MemoryFigures[];
  readonly comparison: IngestComparison;
  readonly profile: { readonly path: string; readonly samplesPerSecond: readonly number[] } | null;
}

/** Runs the section, prints its tables to `out` and returns the figures. */
export async function runRemoteWriteBench(options: RemoteWriteBenchOptions): Promise<RemoteWriteResults> {
  const fleet = buildFleet({ seed: options.seed, targetSeries: options.targetSeries, scrapeIntervalMs: SCRAPE_INTERVAL_MS });
  const labelBytes = encodeLabelSets(fleet);
  const totalRounds = options.warmups + options.repetitions;
  const startMs = options.now() - (totalRounds * options.scrapesPerRound + 4) * SCRAPE_INTERVAL_MS;
  const planOf = (index: number): RoundPlan => ({ firstScrape: index * options.scrapesPerRound, scrapes: options.scrapesPerRound, startMs, senders: options.senders, samplesPerRequest: options.samplesPerRequest });
  const prometheusVersion = await versionOf(options.prometheusBinary);
  options.out(`\nremote-write ingest: ${SHIFTGUARD} (POST /api/v1/write) vs ${prometheusVersion} --web.enable-remote-write-receiver, same requests, same run`);
  options.out(describeLoad(fleet, options));
  options.progress(`remote-write: starting ${SHIFTGUARD} and Prometheus in ${options.dir}`);
  const receivers = await startReceivers(options);
  let measured: Measured;
  try {
    measured = await runRounds(receivers, options, (index) => encodeRound(fleet, planOf(index), labelBytes));
  } finally {
    await Promise.all(receivers.map((r) => r.receiver.stop()));
  }
  const { runs, memory } = measured;
  const ingest = receivers.map((r) => ingestFigures(r.label, runs.filter((run) => run.receiver === r.label)));
  const [shiftguard, prometheus] = ingest as [IngestFigures, IngestFigures];
  const byReceiver = (label: string): IngestRun[] => runs.filter((r) => r.receiver === label);
  const comparison = compareIngest(shiftguard, prometheus, memory[0] as MemoryFigures, { shiftguard: byReceiver(SHIFTGUARD), prometheus: byReceiver(PROMETHEUS) });
  printResults(options.out, { ...measured, ingest, comparison }, options);
  const profile = options.profile ? await printProfile(options, fleet, labelBytes, planOf) : null;
  return { prometheusVersion, load: loadSummary(fleet, options), ...measured, ingest, comparison, profile };
}

type Measured = Pick<RemoteWriteResults, 'rounds' | 'runs' | 'failures' | 'memory'>;

/**
 * Warm-up and measured rounds, each encoded by `encode` and sent to both receivers (shiftguard first
 * in even rounds), between an idle and a final memory snapshot of each receiver.
 */
async function runRounds(receivers: readonly { receiver: Receiver; label: string }[], options: RemoteWriteBenchOptions, encode: (index: number) => LoadRound): Promise<Measured> {
  const runs: IngestRun[] = [];
  const failures: RemoteWriteResults['failures'][number][] = [];
  const rounds: RemoteWriteResults['rounds'][number][] = [];
  await sleep(SETTLE_MS);
  const idle = await Promise.all(receivers.map((r) => memorySnapshot(r.receiver)));
  for (let index = 0; index < options.warmups + options.repetitions; index++) {
    const round = index - options.warmups + 1;
    const label = round < 1 ? `warm-up ${index + 1}/${options.warmups}` : `round ${round}/${options.repetitions}`;
    const load = encode(index);
    rounds.push({ round, samples: load.samples, requests: load.requests, bodyBytes: load.bodyBytes, decodedBytes: decodedBytes(load), firstMs: load.firstMs, lastMs: load.lastMs });
    for (const { receiver, label: name } of index % 2 === 0 ? receivers : [...receivers].reverse()) {
      const { run, outcome } = await measureRound(receiver, name, load, round);
      runs.push(run);
      if (run.failedRequests > 0) failures.push({ receiver: name, round, failures: outcome.failures, first: outcome.firstFailure });
      options.progress(`remote-write ${label} ${name}: ${(run.samplesAccepted / run.wallSeconds).toFixed(0)} samples/s (${run.samplesAccepted}/${run.samplesSent} accepted in ${run.wallSeconds.toFixed(2)} s), receiver CPU ${run.receiverCpuSeconds.toFixed(2)} s, ${run.failedRequests} failed request(s)`);
    }
  }
  await sleep(SETTLE_MS);
  const after = await Promise.all(receivers.map((r) => memorySnapshot(r.receiver)));
  const memory = receivers.map((r, i) => memoryFigures(r.label, idle[i] as MemorySnapshot, after[i] as MemorySnapshot));
  return { rounds, runs, failures, memory };
}

async function startReceivers(options: RemoteWriteBenchOptions): Promise<{ receiver: Receiver; label: string }[]> {
  const shiftguard = await startShiftguardReceiver({ dir: join(options.dir, 'shiftguard') });
  try {
    const prometheus = await startPrometheusReceiver({ binary: options.prometheusBinary, dir: join(options.dir, 'prometheus') });
    return [
      { receiver: shiftguard, label: SHIFTGUARD },
      { receiver: prometheus, label: PROMETHEUS },
    ];
  } catch (error) {
    await shiftguard.stop();
    throw error;
  }
}

function printResults(
  out: (text: string) => void,
  r: Pick<RemoteWriteResults, 'rounds' | 'runs' | 'failures' | 'ingest' | 'memory' | 'comparison'>,
  options: RemoteWriteBenchOptions,
): void {
  const first = r.rounds[0];
  if (first !== undefined) out(`per round: ${first.requests} requests, ${(first.bodyBytes / 1e6).toFixed(1)} MB snappy (${(first.decodedBytes / 1e6).toFixed(1)} MB protobuf), ${(first.bodyBytes / first.requests / 1e3).toFixed(1)} kB per request`);
  out(`\n${options.repetitions} measured round(s) per receiver after ${options.warmups} warm-up round(s) (which create the series); rates = samples the receiver counted as accepted / wall time of the round`);
  out(formatIngestTable(r.ingest));
  for (const label of [SHIFTGUARD, PROMETHEUS]) {
    const measured = r.runs.filter((run) => run.receiver === label && run.round >= 1);
    const cores = summarizeRuns(measured.map((run) => run.generatorCpuSeconds / run.wallSeconds)).median;
    out(`load generator (this process) while sending to ${label}: ${cores.toFixed(2)} cores busy (median)`);
  }
  for (const f of r.failures) out(`FAILED requests, ${f.receiver} round ${f.round}: ${JSON.stringify(f.failures)}; first: ${f.first ?? '?'}`);
  out('\nmemory per active series: growth from the idle receiver to the end of the run (MB = 10^6 bytes)');
  out(formatMemoryTable(r.memory));
  out(`\n${formatIngestComparison(r.comparison, r.memory[0] as MemoryFigures)}`);
}

async function printProfile(options: RemoteWriteBenchOptions, fleet: Fleet, labelBytes: readonly Uint8Array[], planOf: (index: number) => RoundPlan): Promise<RemoteWriteResults['profile']> {
  options.progress(`remote-write: profiling a fresh ${SHIFTGUARD} with node --cpu-prof over 2 rounds (1 creating the series, 1 appending)`);
  const rounds = [0, 1].map((i) => encodeRound(fleet, planOf(i), labelBytes));
  const profile = await profileShiftguardReceiver(join(options.dir, 'shiftguard-profiled'), rounds);
  options.out(`\ncpu profile of ${SHIFTGUARD} receiving 2 rounds (${profile.path}); samples/s under the profiler: ${profile.samplesPerSecond.map((s) => s.toFixed(0)).join(', ')}`);
  options.out(formatProfileSummary(profile.summary, 20));
  return { path: profile.path, samplesPerSecond: profile.samplesPerSecond };
}

function describeLoad(fleet: Fleet, options: RemoteWriteBenchOptions): string {
  const samplesPerRound = fleet.series.length * options.scrapesPerRound;
  return [
    `load: ${fleet.series.length} series (${fleet.instances} instances x ${SERIES_PER_INSTANCE}: histogram buckets with le, _count, _sum, counters, 2 gauges; 9-12 labels), seed ${options.seed},`,
    `      scraped every ${SCRAPE_INTERVAL_MS / 1000} s, ${options.scrapesPerRound} scrapes (${samplesPerRound} samples) per round, ${options.senders} concurrent senders (shards),`,
    `      ${options.samplesPerRequest} samples per request, one TimeSeries per sample, snappy + protobuf, remote-write 1.0 headers`,
  ].join('\n');
}

function loadSummary(fleet: Fleet, options: RemoteWriteBenchOptions): RemoteWriteResults['load'] {
  return { instances: fleet.instances, series: fleet.series.length, scrapeIntervalMs: SCRAPE_INTERVAL_MS, senders: options.senders, samplesPerRequest: options.samplesPerRequest, scrapesPerRound: options.scrapesPerRound };
}

function decodedBytes(load: LoadRound): number {
  return load.queues.flat().reduce((sum, r) => sum + r.decodedBytes, 0);
}

/** First line of `<binary> --version`. @throws Error when it cannot run. */
async function versionOf(binary: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, ['--version'], { encoding: 'utf8' });
  const line = `${stdout}${stderr}`.split('\n')[0]?.trim() ?? '';
  if (line === '') throw new Error(`${binary} --version printed nothing`);
  return line;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
