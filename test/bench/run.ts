/**
 * `npm run bench`: `shiftguard analyze` against `promtool tsdb create-blocks-from openmetrics` on the
 * same seeded ~40 MB OpenMetrics file, plus in-process parse-only and analysis-only figures.
 * Progress goes to stderr, results to stdout and to `results.json` in the benchmark directory.
 * Exits 0 whatever the figures (benchmarks report, they do not gate); 1 when a tool failed; 2 on bad options.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultConfig } from '../../src/config/shiftguard-config.js';
import { BENCH_USAGE, parseBenchArgs } from './bench-args.js';
import type { BenchArgs } from './bench-args.js';
import { METRICS_FILE, writeBenchInput } from './bench-input.js';
import type { BenchInput } from './bench-input.js';
import { compareTools, formatBenchTable, formatComparison } from './bench-table.js';
import type { ToolFigures } from './bench-table.js';
import { formatProfileSummary } from './cpu-profile-summary.js';
import { captureAnalysisRequest, loadBenchUpgrade, timeAnalysis, timeParse } from './in-process-figures.js';
import { describeMachine, formatMachine } from './machine-info.js';
import type { ProcessMeasurement } from './measure-process.js';
import { profileAnalyze } from './profile-analyze.js';
import { summarizeRuns } from './run-stats.js';
import { measureAnalyze, measurePromtool } from './tool-runs.js';

const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const BLOCKS_PREFIX = 'promtool-blocks-';

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
  readonly analyze: ProcessMeasurement[];
  readonly promtool: ProcessMeasurement[];
}

/** Alternates analyze and promtool so drifting machine load affects both alike. */
async function runTools(input: BenchInput, dir: string, repetitions: number): Promise<ToolRuns> {
  const runs: ToolRuns = { analyze: [], promtool: [] };
  const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report.json') };
  for (let rep = 1; rep <= repetitions; rep++) {
    const analyze = await measureAnalyze(files, dir);
    runs.analyze.push(analyze.run);
    const s = analyze.summary;
    progress(`run ${rep}/${repetitions} analyze: ${analyze.run.wallSeconds.toFixed(2)} s, ${mb(analyze.run.peakRssBytes)} MB, exit ${analyze.run.exitCode} (${s.groups} groups, ${s.regressions} regression(s))`);
    const promtool = await measurePromtool(PROMTOOL, input.metricsPath, join(dir, `${BLOCKS_PREFIX}${rep}`));
    runs.promtool.push(promtool.run);
    progress(`run ${rep}/${repetitions} promtool: ${promtool.run.wallSeconds.toFixed(2)} s, ${mb(promtool.run.peakRssBytes)} MB, ${promtool.blocks} blocks`);
  }
  return runs;
}

function childFigures(tool: string, runs: readonly ProcessMeasurement[], input: BenchInput): ToolFigures {
  return {
    tool,
    wallSeconds: summarizeRuns(runs.map((r) => r.wallSeconds)),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    bytes: input.metricsBytes,
    samples: input.sampleCount,
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
    parse: { tool: 'parse only (in-process)', wallSeconds: summarizeRuns(parse.seconds), peakRssBytes: null, bytes: input.metricsBytes, samples: input.sampleCount },
    analysis: { tool: 'analysis only (in-process)', wallSeconds: summarizeRuns(analysis.seconds), peakRssBytes: null, bytes: null, samples: parse.keptSamples },
  };
}

function breakdown(analyze: ToolFigures, parse: ToolFigures, analysis: ToolFigures): string {
  const total = analyze.wallSeconds.median;
  const rest = total - parse.wallSeconds.median - analysis.wallSeconds.median;
  const part = (label: string, s: number): string => `${label} ${s.toFixed(2)} s (${((100 * s) / total).toFixed(0)}%)`;
  return [
    `where analyze's ${total.toFixed(2)} s go (medians): ${part('parse', parse.wallSeconds.median)}, ${part('analysis', analysis.wallSeconds.median)},`,
    `  ${part('rest', rest)} = node start-up, module loading, config, upgrade.json, report rendering, and the cold (unwarmed) JIT`,
  ].join('\n');
}

/** Removes the big files (metrics file, promtool blocks) of a temp benchmark directory. */
async function removeBigFiles(dir: string): Promise<void> {
  await rm(join(dir, METRICS_FILE), { force: true });
  for (const name of await readdir(dir)) if (name.startsWith(BLOCKS_PREFIX)) await rm(join(dir, name), { recursive: true, force: true });
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function bench(args: BenchArgs): Promise<void> {
  const dir = await benchDir(args.keepDir);
  const machine = await describeMachine(PROMTOOL);
  out('shiftguard bench: analyze vs promtool tsdb create-blocks-from openmetrics on the same file');
  out(formatMachine(machine));
  const input = await generateInput(dir, args);
  const runs = await runTools(input, dir, args.repetitions);
  const analyze = childFigures('shiftguard analyze (CLI)', runs.analyze, input);
  const promtool = childFigures('promtool create-blocks-from', runs.promtool, input);
  const { parse, analysis } = await inProcessFigures(input, args.repetitions);
  const comparison = compareTools(analyze, promtool);
  out(`\n${args.repetitions} run(s) each; peak RSS via ${runs.analyze[0]?.method ?? 'n/a'} (largest over runs); MB = 10^6 bytes`);
  out(formatBenchTable([analyze, promtool, parse, analysis]));
  out(`\n${formatComparison(comparison)}\n${breakdown(analyze, parse, analysis)}`);
  let profilePath: string | null = null;
  if (args.profile) {
    progress('profiling one analyze run with node --cpu-prof');
    const files = { upgradePath: input.upgradePath, metricsPath: input.metricsPath, reportPath: join(dir, 'report-profiled.json') };
    const profile = await profileAnalyze(files, dir, join(dir, 'cpu-profile'));
    profilePath = profile.path;
    out(`\ncpu profile of analyze (${profile.path}):\n${formatProfileSummary(profile.summary, 15)}`);
  }
  const resultsPath = join(dir, 'results.json');
  const results = { machine, input: { ...input, upgrade: undefined }, repetitions: args.repetitions, runs, rows: { analyze, promtool, parse, analysis }, comparison, profilePath };
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  if (args.keepDir === null) await removeBigFiles(dir);
  out(`\nresults: ${resultsPath}${args.keepDir === null ? ' (the metrics file and promtool blocks were removed; use --keep DIR to keep them)' : ''}`);
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

process.exitCode = await main(process.argv.slice(2));
