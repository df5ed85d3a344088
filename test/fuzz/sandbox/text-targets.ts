/**
 * Fuzz targets of the file decoders: OpenMetrics / Prometheus text files (`readOpenMetricsFiles` on a
 * real file, and the parser fed in chunks against it fed at once), upgrade.json (as a file and as an
 * API body), package manifests, inventories, shiftguard.yaml and guardrails.yaml. Their documented
 * refusals: {@link MetricsInputError}, {@link UpgradeInputError}, {@link ConfigError}.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/config-error.js';
import type { InputError } from '../../../src/config/input-error.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { MetricsInputError } from '../../../src/ingest/metrics-input-error.js';
import { readOpenMetricsFiles } from '../../../src/ingest/openmetrics-file.js';
import { OpenMetricsFileParser } from '../../../src/ingest/openmetrics-file-parser.js';
import { SeriesAccumulator } from '../../../src/ingest/series-accumulator.js';
import { WarningCollector } from '../../../src/ingest/warning-collector.js';
import { parseGuardrails } from '../../../src/tune/guardrails-config.js';
import { parseInventory } from '../../../src/upgrades/inventory.js';
import { parseUpgrade, validateUpgrade } from '../../../src/upgrades/load-upgrade.js';
import { parsePackageManifest } from '../../../src/upgrades/package-manifest.js';
import { UpgradeInputError } from '../../../src/upgrades/upgrade-input-error.js';
import { SANDBOX_DIR_ENV } from './decoder-sandbox.js';
import type { FuzzTarget, FuzzTargets } from './fuzz-target.js';
import { seriesFacts, textOf } from './fuzz-target.js';
import type { Facts, TargetParams } from './sandbox-protocol.js';

/** Metric names every OpenMetrics input is read for: those of the seeds and of the line generator. */
export const OPENMETRICS_METRICS = [
  'http_client_retries_total',
  'http_client_requests_total',
  'http_server_request_duration_seconds_bucket',
  'http_server_request_duration_seconds_count',
  'http_server_request_duration_seconds_sum',
  'dten_build_info',
  'up',
  'x',
  'x_total',
  'x_bucket',
  'x_count',
  'a:b',
] as const;

/** Where the file targets write their input: the directory the test side owns (see `decoder-sandbox.ts`). */
function inputDir(): string {
  const dir = process.env[SANDBOX_DIR_ENV];
  if (dir === undefined || dir === '') throw new Error(`${SANDBOX_DIR_ENV} is not set: the file targets run in a DecoderSandbox only`);
  return dir;
}
const ALL_TIME = { startMs: -Number.MAX_VALUE, endMs: Number.MAX_VALUE };

/** Number of lines of `text` (a last line without newline counts). */
export function lineCount(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** The OpenMetrics text parser fed `text` in pieces cut at `splits`, as readOpenMetricsFiles feeds it chunks; its result or error as text. */
function parseInPieces(text: string, splits: readonly number[]): string {
  const target = { metricNames: new Set<string>(OPENMETRICS_METRICS), ...ALL_TIME, series: new SeriesAccumulator(), warnings: new WarningCollector() };
  const parser = new OpenMetricsFileParser('fuzz.om', target);
  let carry = '';
  let from = 0;
  try {
    for (const cut of [...splits].sort((a, b) => a - b)) {
      const end = Math.min(text.length, Math.max(from, cut));
      const piece = carry + text.slice(from, end);
      carry = piece.slice(parser.feed(piece));
      from = end;
    }
    const last = carry + text.slice(from);
    parser.end(last.slice(parser.feed(last)));
    return JSON.stringify({ series: target.series.finish(target.warnings), warnings: target.warnings.toStrings() }, (_, v: unknown) => (v instanceof Float64Array ? [...v].map(String) : v));
  } catch (error) {
    if (error instanceof MetricsInputError) return `error: ${error.message}`;
    throw error;
  }
}

/** Facts of an input-file error: how many issues, the range of the lines they name (0: none) and the input's lines. */
function issueFacts(error: unknown, input: Uint8Array): Facts {
  const lines = (error as InputError).issues.map((issue) => issue.line).filter((line): line is number => line !== undefined);
  const firstLine = lines.length === 0 ? 0 : Math.min(...lines);
  return { issues: (error as InputError).issues.length, firstLine, lastLine: Math.max(0, ...lines), lines: lineCount(textOf(input)) };
}

/** A target over a text-input parser whose refusal is an {@link InputError} subclass. */
function inputTarget(parse: (text: string) => Facts, documented: (error: unknown) => boolean): FuzzTarget {
  return {
    run: (input: Uint8Array, _params: TargetParams) => parse(textOf(input)),
    documented,
    refusalFacts: issueFacts,
  };
}

const isUpgradeInputError = (error: unknown): boolean => error instanceof UpgradeInputError;
const isConfigError = (error: unknown): boolean => error instanceof ConfigError;

/** The text targets by name. */
export const TEXT_TARGETS: FuzzTargets = {
  'openmetrics-file': {
    async run(input) {
      const path = join(inputDir(), 'input.om');
      writeFileSync(path, input);
      const data = await readOpenMetricsFiles([path], { metricNames: OPENMETRICS_METRICS, ...ALL_TIME });
      return { ...seriesFacts(data.series), warnings: data.warnings.length };
    },
    documented: (error) => error instanceof MetricsInputError,
    refusalFacts: (_error, input) => ({ lines: lineCount(textOf(input)) }),
  },
  'openmetrics-pieces': {
    run(input, params) {
      const text = textOf(input);
      const splits = Array.isArray(params.splits) ? params.splits : [];
      const whole = parseInPieces(text, []);
      const pieces = parseInPieces(text, splits);
      return { agree: whole === pieces, whole: whole.slice(0, 300), pieces: pieces.slice(0, 300) };
    },
    documented: () => false,
  },
  'upgrade-json': inputTarget((text) => {
    const upgrade = parseUpgrade(text, 'upgrade.json');
    const rollout = upgrade.binaries.reduce((n, b) => n + (b.rollout?.length ?? 0), 0);
    return { binaries: upgrade.binaries.length, rollout, configChanges: upgrade.configChanges.length, flags: upgrade.flags.length, finiteTimes: Number.isFinite(upgrade.startedAtMs) };
  }, isUpgradeInputError),
  'upgrade-body': inputTarget((text): Facts => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { notJson: true };
    }
    const upgrade = validateUpgrade(value, 'request body');
    return { binaries: upgrade.binaries.length, finiteTimes: Number.isFinite(upgrade.startedAtMs) };
  }, isUpgradeInputError),
  'package-manifest': inputTarget((text) => ({ binaries: parsePackageManifest(text, 'manifest.json').value.binaries.length }), isUpgradeInputError),
  inventory: inputTarget((text) => ({ binaries: parseInventory(text, 'inventory.json').value.binaries.length }), isUpgradeInputError),
  'shiftguard-config': inputTarget((text) => ({ signals: parseConfig(text, 'shiftguard.yaml', { env: {} }).signals.length }), isConfigError),
  'guardrails-config': inputTarget((text) => ({ rules: parseGuardrails(text, 'guardrails.yaml').rules.length }), isConfigError),
};
