/**
 * `npm run bench`: four sections; the first three by default, one with `--only analyze|remote-write|closed-loop|soak`.
 * - analyze: `shiftguard analyze` against `promtool tsdb create-blocks-from openmetrics` on the same
 *   seeded ~40 MB OpenMetrics file, plus in-process parse-only and analysis-only figures.
 * - remote-write: the same remote-write requests into `shiftguard serve` and into Prometheus' own
 *   receiver, samples/s and memory per active series (`remote-write-bench.ts`).
 * - closed-loop: seconds from a retry regression's onset to the tuner's flag change in Unleash, with
 *   the end-to-end tests' loop at 50 req/s on a real unleash-server (`closed-loop-bench.ts`).
 * - soak (only with `--only soak`): `serve` at 10x the remote-write section's sustained rate for 10
 *   minutes: memory, 503s with Retry-After, nothing acknowledged lost, detection's cadence (`soak.ts`).
 * Progress goes to stderr, results to stdout and to `results.json` in the benchmark directory.
 * Exits 0 whatever the figures (benchmarks report, they do not gate); 1 when a tool or component failed; 2 on bad options.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import { analyzeTimeline, formatTimeline } from './analyze-timeline.js';
import type { AnalyzeTimeline } from './analyze-timeline.js';
import { BENCH_USAGE, DEFAULT_SECTIONS, parseBenchArgs } from './bench-args.js';
import type { BenchArgs, BenchSection } from './bench-args.js';
import { METRICS_FILE, writeBenchInput } from './bench-input.js';
import type { BenchInput } from './bench-input.js';
import { compareTools, formatBenchTable, formatComparison } from './bench-table.js';
import { runClosedLoopBench } from './closed-loop-bench.js';
import type { ToolFigures } from './bench-table.js';
import { formatProfileSummary } from './cpu-profile-summary.js';
import { captureAnalysisRequest, loadBenchUpgrade, timeAnalysis, timeParse } from './in-process-figures.js';
import { busyNote, describeMachine, formatMachine } from './machine-info.js';
import type { MachineInfo } from './machine-info.js';
import type { ProcessMeasurement } from './measure-process.js';
import { profileAnalyze } from './profile-analyze.js';
import { runRemoteWriteBench } from './remote-write-bench.js';
import { summarizeRuns } from './run-stats.js';
import { runSoak } from './soak.js';
import { measureAnalyze, measurePromtool, measureStartup } from './tool-runs.js';

const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const PROMETHEUS = process.env['PROMETHEUS'] ?? 'prometheus';
const BLOCKS_PREFIX = 'promtool-blocks-';
/** Sub-directory of the remote-write section; its receivers' state (TSDB, SQLite) goes under it. */
const REMOTE_WRITE_DIR = 'remote-write';
/** Sub-directory of the closed-loop section; each loop's serve state goes under it. */
const CLOSED_LOOP_DIR = 'closed-loop';
/** Sub-directory of the soak; serve's state and log and the calibration receiver's go under it. */
const SOAK_DIR = 'soak';
/** OTLP exporters of the soak and their export interval, ms (next to the remote-write shards). */
const SOAK_OTLP = { exporters: 4, intervalMs: 1000 } as const;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function benchDir(keepDir: string | null): Promise<string> {
  if (keepDir === null) return mkdtemp(join(tmpdir(), 'shiftguard-bench-'));
  await mkdir(keepDir, { recursive: true });
  return resolve(keepDir);
}

async function generateInput(dir: string, args: BenchArgs): Promise<BenchInput> {
  progress(`simulating the big fleet (target ${(args.targetBytes / 1e6).toFixed(0)} MB, seed ${args.seed}) into ${dir}`);
  const input = await writeBenchInput(dir, { targetBytes: args.targetBytes, seed: args.seed });
  out(
    `input: ${(input.metricsBytes / 1e6).toFixed(1)} MB (${input.metricsBytes} bytes), ${input.seriesCount} series, ` +
      `${input.sampleCount} samples, ${input.instanceCount} instances, ${input.upgrade.binaries.length} binaries upgraded`,
  );
  out(`       ${input.metricsPath} + ${input.upgradePath}`);
  return input;
}

interface ToolRuns {
  readonly startup: ProcessMeasurement[];
  readonly analyze: ProcessMeasurement[];
  readonly promtool: ProcessMeasurement[];
}

/**
 * `warmups` unmeasured rounds, then `repetitions` measured ones; each round runs start-up, analyze
 * and promtool, promtool first in every other round, so drifting machine load affects all alike.
 */
async function runTools(input: BenchInput, dir: string, args: BenchArgs): Promise<ToolRuns> {
  const runs: ToolRuns = { startup: [], analyze: [], promtool: [] };
  const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report.json') };
  for (let round = 1 - args.warmups; round <= args.repetitions; round++) {
    const label = round < 1 ? `warm-up ${round + args.warmups}/${args.warmups}` : `run ${round}/${args.repetitions}`;
    const runPromtool = async (): Promise<ProcessMeasurement> => {
      const promtool = await measurePromtool(PROMTOOL, input.metricsPath, join(dir, `${BLOCKS_PREFIX}${Math.max(round, 0)}`));
      progress(`${label} promtool: ${promtool.run.wallSeconds.toFixed(2)} s, ${mb(promtool.run.peakRssBytes)} MB, ${promtool.blocks} blocks`);
      return promtool.run;
    };
    const promtoolFirst = round % 2 === 0 ? await runPromtool() : null;
    const startup = await measureStartup(dir);
    const analyze = await measureAnalyze(files, dir);
    const s = analyze.summary;
    progress(`${label} analyze: ${analyze.run.wallSeconds.toFixed(2)} s, ${mb(analyze.run.peakRssBytes)} MB, exit ${analyze.run.exitCode} (${s.groups} groups, ${s.regressions} regression(s)); start-up alone ${startup.wallSeconds.toFixed(2)} s`);
    const promtool = promtoolFirst ?? (await runPromtool());
    if (round < 1) continue;
    runs.startup.push(startup);
    runs.analyze.push(analyze.run);
    runs.promtool.push(promtool);
  }
  return runs;
}

function childFigures(tool: string, runs: readonly ProcessMeasurement[], input: BenchInput | null): ToolFigures {
  const cpu = runs.map((r) => r.cpuSeconds);
  return {
    tool,
    wallSeconds: summarizeRuns(runs.map((r) => r.wallSeconds)),
    cpuSeconds: cpu.every((c) => c !== null) ? summarizeRuns(cpu) : null,
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    bytes: input?.metricsBytes ?? null,
    samples: input?.sampleCount ?? null,
  };
}

/** Parse-only and analysis-only rows, measured in this process on the same file. */
async function inProcessFigures(input: BenchInput, repetitions: number): Promise<{ parse: ToolFigures; analysis: ToolFigures }> {
  const config = defaultConfig();
  const upgrade = await loadBenchUpgrade(input.upgradePath);
  const request = await captureAnalysisRequest(config, upgrade);
  progress(`in-process: parsing ${METRICS_FILE} ${repetitions} time(s) for ${request.metricNames.length} metric names`);
  const parse = await timeParse(input.metricsPath, request, repetitions);
  progress(`in-process: parse ${parse.seconds.map((s) => s.toFixed(2)).join(', ')} s; kept ${parse.data.series.length} series, ${parse.keptSamples} samples`);
  const analysis = await timeAnalysis(parse.data, config, upgrade, repetitions);
  progress(`in-process: analysis ${analysis.seconds.map((s) => s.toFixed(2)).join(', ')} s (${analysis.summary.groups} groups)`);
  return {
    parse: { tool: 'parse only (in-process)', wallSeconds: summarizeRuns(parse.seconds), cpuSeconds: null, peakRssBytes: null, bytes: input.metricsBytes, samples: input.sampleCount },
    analysis: { tool: 'analysis only (in-process)', wallSeconds: summarizeRuns(analysis.seconds), cpuSeconds: null, peakRssBytes: null, bytes: null, samples: parse.keptSamples },
  };
}

interface BenchRows {
  readonly analyze: ToolFigures;
  readonly promtool: ToolFigures;
  readonly startup: ToolFigures;
  readonly parse: ToolFigures;
  readonly analysis: ToolFigures;
}

/** Splits analyze's minimum wall time (least disturbed by other load) into start-up, parse, analysis and the remainder. */
function breakdown(rows: BenchRows): string {
  const total = rows.analyze.wallSeconds.min;
  const [startup, parse, analysis] = [rows.startup, rows.parse, rows.analysis].map((r) => r.wallSeconds.min) as [number, number, number];
  const part = (label: string, s: number): string => `${label} ${s.toFixed(2)} s (${((100 * s) / total).toFixed(0)}%)`;
  return [
    `where analyze's ${total.toFixed(2)} s go (minimum wall times): ${part('start-up', startup)}, ${part('parse', parse)}, ${part('analysis', analysis)},`,
    `  ${part('rest', total - startup - parse - analysis)} = config, upgrade.json, report rendering, and running parse and analysis with a cold JIT`,
  ].join('\n');
}

/** Removes the big files (metrics file, promtool blocks, the receivers' TSDB and store) of a temp benchmark directory. */
async function removeBigFiles(dir: string): Promise<void> {
  await rm(join(dir, METRICS_FILE), { force: true });
  for (const name of await readdir(dir)) if (name.startsWith(BLOCKS_PREFIX)) await rm(join(dir, name), { recursive: true, force: true });
  for (const receiver of ['shiftguard', 'prometheus']) await rm(join(dir, REMOTE_WRITE_DIR, receiver), { recursive: true, force: true });
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function printTimeline(input: BenchInput, dir: string): Promise<AnalyzeTimeline> {
  progress('one more analyze run with progress on, for its timeline');
  const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report-timeline.json') };
  const timeline = await analyzeTimeline(files, dir);
  out(`\ntimeline of one analyze run (progress lines, seconds since spawn):\n${formatTimeline(timeline)}`);
  return timeline;
}

async function printProfile(input: BenchInput, dir: string): Promise<string> {
  progress('profiling one analyze run with node --cpu-prof');
  const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report-profiled.json') };
  const profile = await profileAnalyze(files, dir, join(dir, 'cpu-profile'));
  out(`\ncpu profile of analyze (${profile.path}):\n${formatProfileSummary(profile.summary, 15)}`);
  return profile.path;
}

/** The analyze section; returns its part of `results.json`. */
async function analyzeSection(dir: string, args: BenchArgs, machine: MachineInfo): Promise<Record<string, unknown>> {
  out('\nanalyze: shiftguard analyze vs promtool tsdb create-blocks-from openmetrics on the same file');
  const input = await generateInput(dir, args);
  const runs = await runTools(input, dir, args);
  const rows: BenchRows = {
    analyze: childFigures('shiftguard analyze (CLI)', runs.analyze, input),
    promtool: childFigures('promtool create-blocks-from', runs.promtool, input),
    startup: childFigures('shiftguard --help (start-up)', runs.startup, null),
    ...(await inProcessFigures(input, args.repetitions)),
  };
  const comparison = compareTools(rows.analyze, rows.promtool);
  out(`\n${args.repetitions} measured run(s) each after ${args.warmups} warm-up(s); peak RSS via ${runs.analyze[0]?.method ?? 'n/a'} (largest over runs); MB = 10^6 bytes`);
  out(formatBenchTable([rows.analyze, rows.promtool, rows.startup, rows.parse, rows.analysis]));
  out(`\n${formatComparison(comparison)}\n${breakdown(rows)}`);
  out(`load average (1 min) at the end: ${loadavg()[0]?.toFixed(2) ?? '?'}${busyNote(loadavg()[0] ?? 0, machine.cores)}`);
  const timeline = await printTimeline(input, dir);
  const profilePath = args.profile ? await printProfile(input, dir) : null;
  return { input: { ...input, upgrade: undefined }, runs, rows, comparison, timeline, profilePath };
}

/** The remote-write section (`remote-write-bench.ts`); returns its part of `results.json`. */
async function remoteWriteSection(dir: string, args: BenchArgs, machine: MachineInfo): Promise<Record<string, unknown>> {
  const rw = args.remoteWrite;
  const remoteWrite = await runRemoteWriteBench({
    dir: join(dir, REMOTE_WRITE_DIR),
    seed: args.seed,
    targetSeries: rw.series,
    senders: rw.senders,
    samplesPerRequest: rw.samplesPerRequest,
    scrapesPerRound: rw.scrapesPerRound,
    repetitions: args.repetitions,
    warmups: args.warmups,
    profile: args.profile,
    prometheusBinary: PROMETHEUS,
    progress,
    out,
    now: () => Date.now(),
  });
  out(`load average (1 min) at the end: ${loadavg()[0]?.toFixed(2) ?? '?'}${busyNote(loadavg()[0] ?? 0, machine.cores)}`);
  return { remoteWrite };
}

/** The closed-loop section (`closed-loop-bench.ts`); returns its part of `results.json`. */
async function closedLoopSection(dir: string, args: BenchArgs, machine: MachineInfo): Promise<Record<string, unknown>> {
  const closedLoop = await runClosedLoopBench({ dir: join(dir, CLOSED_LOOP_DIR), rounds: args.closedLoopRounds, progress, out });
  out(`load average (1 min) at the end: ${loadavg()[0]?.toFixed(2) ?? '?'}${busyNote(loadavg()[0] ?? 0, machine.cores)}`);
  return { closedLoop };
}

/** The soak section (`soak.ts`); returns its part of `results.json`. */
async function soakSection(dir: string, args: BenchArgs, machine: MachineInfo): Promise<Record<string, unknown>> {
  const soak = await runSoak({
    dir: join(dir, SOAK_DIR),
    seed: args.seed,
    durationMs: Math.round(args.soak.minutes * 60_000),
    multiplier: args.soak.multiplier,
    series: args.soak.series,
    baseSamplesPerSecond: args.soak.baseRate,
    calibrationScrapes: args.remoteWrite.scrapesPerRound,
    calibrationRounds: args.repetitions,
    otlpExporters: SOAK_OTLP.exporters,
    otlpIntervalMs: SOAK_OTLP.intervalMs,
    progress,
    out,
  });
  out(`serve's log: ${soak.logPath}`);
  out(`load average (1 min) at the end: ${loadavg()[0]?.toFixed(2) ?? '?'}${busyNote(loadavg()[0] ?? 0, machine.cores)}`);
  return { soak };
}

async function bench(args: BenchArgs): Promise<void> {
  const dir = await benchDir(args.keepDir);
  const machine = await describeMachine(PROMTOOL);
  out(`shiftguard bench: ${args.only ?? DEFAULT_SECTIONS.join(', ')}`);
  out(formatMachine(machine));
  const runs = (section: BenchSection): boolean => (args.only === null ? DEFAULT_SECTIONS.includes(section) : args.only === section);
  let results: Record<string, unknown> = { machine, args };
  if (runs('analyze')) results = { ...results, ...(await analyzeSection(dir, args, machine)) };
  if (runs('remote-write')) results = { ...results, ...(await remoteWriteSection(dir, args, machine)) };
  if (runs('closed-loop')) results = { ...results, ...(await closedLoopSection(dir, args, machine)) };
  if (runs('soak')) results = { ...results, ...(await soakSection(dir, args, machine)) };
  const resultsPath = join(dir, 'results.json');
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  if (args.keepDir === null) await removeBigFiles(dir);
  out(`\nresults: ${resultsPath}${args.keepDir === null ? ' (the metrics file, promtool blocks and the receivers\' TSDB and store were removed; use --keep DIR to keep them)' : ''}`);
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${BENCH_USAGE}\n`);
    return 2;
  }
  try {
    await bench(args);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

const exitCode = await main(process.argv.slice(2));
// A component that failed half-started (a closed loop whose upgrade registration failed leaves its
// in-process partner API listening, and startLoop hands back nothing to close it with) would keep
// the process alive forever: after a failure, exit rather than hang.
if (exitCode === 0) process.exitCode = 0;
else process.exit(exitCode);
