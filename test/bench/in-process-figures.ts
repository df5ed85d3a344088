/**
 * In-process figures that split the CLI's time: parsing the OpenMetrics file alone
 * (`readOpenMetricsFiles`) and the analysis alone (`runAnalysis` over series already in memory).
 */
import { readFile } from 'node:fs/promises';
import { createMemoryMetricsSource } from '../../src/analysis/memory-metrics-source.js';
import { runAnalysis } from '../../src/analysis/run-analysis.js';
import type { ShiftguardConfig } from '../../src/config/shiftguard-config.js';
import { readOpenMetricsFiles } from '../../src/ingest/openmetrics-file.js';
import type { Report } from '../../src/report/report.js';
import type { MetricsData, SeriesRequest } from '../../src/series/model.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import type { Upgrade } from '../../src/upgrades/upgrade.js';
import { timeSeconds } from './run-stats.js';

/** Timings of repeated in-process runs plus what the last run produced. */
export interface ParseFigures {
  readonly seconds: readonly number[];
  readonly data: MetricsData;
  /** Samples kept (inside the requested names and time range). */
  readonly keptSamples: number;
}

export interface AnalysisFigures {
  readonly seconds: readonly number[];
  readonly summary: Report['summary'];
}

/** Loads and validates the benchmark's upgrade.json as `analyze` would (JSON paths in messages). */
export async function loadBenchUpgrade(path: string): Promise<Upgrade> {
  return validateUpgrade(JSON.parse(await readFile(path, 'utf8')) as unknown, path);
}

/**
 * The exact series request `runAnalysis` makes for `upgrade` under `config` (metric names and time
 * range), found by running it once over a source that records the request and returns no series.
 */
export async function captureAnalysisRequest(config: ShiftguardConfig, upgrade: Upgrade): Promise<SeriesRequest> {
  let captured: SeriesRequest | undefined;
  await runAnalysis({
    config,
    upgrade,
    source: {
      read: (request) => {
        captured = request;
        return Promise.resolve({ series: [], warnings: [] });
      },
    },
  });
  if (captured === undefined) throw new Error('captureAnalysisRequest: runAnalysis never read its metrics source');
  return captured;
}

/** Parses `path` `repetitions` times with `readOpenMetricsFiles` for `request`; seconds per run. */
export async function timeParse(path: string, request: SeriesRequest, repetitions: number): Promise<ParseFigures> {
  const seconds: number[] = [];
  let data: MetricsData = { series: [], warnings: [] };
  for (let i = 0; i < repetitions; i++) {
    const run = await timeSeconds(() => readOpenMetricsFiles([path], request));
    seconds.push(run.seconds);
    data = run.result;
  }
  return { seconds, data, keptSamples: data.series.reduce((sum, s) => sum + s.values.length, 0) };
}

/** Runs `runAnalysis` `repetitions` times over `data` held in memory; seconds per run. */
export async function timeAnalysis(data: MetricsData, config: ShiftguardConfig, upgrade: Upgrade, repetitions: number): Promise<AnalysisFigures> {
  const source = createMemoryMetricsSource(data.series, data.warnings);
  const seconds: number[] = [];
  let summary: Report['summary'] | undefined;
  for (let i = 0; i < repetitions; i++) {
    const run = await timeSeconds(() => runAnalysis({ config, upgrade, source }));
    seconds.push(run.seconds);
    summary = run.result.summary;
  }
  if (summary === undefined) throw new RangeError(`timeAnalysis: expected at least one repetition, got ${repetitions}`);
  return { seconds, summary };
}
