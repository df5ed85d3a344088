/**
 * `shiftguard analyze`: one-shot comparison of the baseline window before an upgrade with the
 * window after it, from OpenMetrics files or a Prometheus-compatible API.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { loadUpgrade } from '../upgrades/load-upgrade.js';
import { createFileMetricsSource } from '../ingest/openmetrics-file.js';
import { createPrometheusMetricsSource } from '../ingest/prometheus-api.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import type { MetricsSource } from '../series/model.js';
import { createGuardedFetch } from '../net/guarded-fetch.js';
import { outboundPolicyOf } from '../net/outbound-config.js';
import { refuseUrl, withLoopback } from '../net/outbound-policy.js';
import type { ShiftguardConfig } from '../config/shiftguard-config.js';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_REGRESSION, UsageError, assertWritableTarget, progressPrinter } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { renderReport, parseFormat } from './render-report.js';

/** Runs `analyze` with `args` (after the command name); returns the exit code. */
export async function analyzeCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      upgrade: { type: 'string' },
      metrics: { type: 'string', multiple: true },
      prometheus: { type: 'string' },
      config: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.upgrade === undefined) throw new UsageError('analyze needs --upgrade U.json');
  const format = parseFormat(values.format, io.stdout.isTTY === true && values.out === undefined);
  if (values.out !== undefined) await assertWritableTarget(values.out);
  const config = loadConfig({ path: values.config, env: io.env, cwd: io.cwd });
  const upgrade = loadUpgrade(values.upgrade);
  const progress = progressPrinter(io, values.quiet);
  const source = metricsSource(values.metrics ?? [], values.prometheus, config, progress);
  const report = await runAnalysis({ config, upgrade, source, onProgress: progress });
  const text = renderReport(report, format);
  if (values.out !== undefined) {
    await writeFile(values.out, text);
    progress(`report written to ${values.out}`);
  } else {
    io.stdout.write(text);
  }
  const { summary } = report;
  if (summary.groups === 0) {
    io.stderr.write(
      'shiftguard: no group could be analysed: the data holds none of the series the configured signals need ' +
        `in the windows of upgrade ${report.upgrade}${summarizeWarnings(report.warnings)}\n`,
    );
    return EXIT_BAD_INPUT;
  }
  progress(`${summary.regressions} regression(s), ${summary.improvements} improvement(s), ${summary.inconclusive} inconclusive of ${summary.groups} groups`);
  return summary.regressions > 0 ? EXIT_REGRESSION : EXIT_OK;
}

function metricsSource(files: string[], prometheus: string | undefined, config: ShiftguardConfig, progress: (m: string) => void): MetricsSource {
  if (files.length > 0 && prometheus !== undefined) throw new UsageError('give either --metrics files or --prometheus URL, not both');
  if (files.length > 0) {
    return createFileMetricsSource(files, {
      onProgress: (read, total) => progress(`reading metrics: ${(read / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB`),
    });
  }
  const url = prometheus ?? config.prometheus.url;
  if (url === null || url === undefined) throw new UsageError('analyze needs --metrics FILE (repeatable) or --prometheus URL (or prometheus.url in the config)');
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--prometheus: expected an http:// or https:// URL, got "${url}"`);
  // A URL typed on the command line is the operator's own: loopback is allowed for it; the rest of the policy holds.
  const policy = prometheus === undefined ? outboundPolicyOf(config) : withLoopback(outboundPolicyOf(config));
  const refusal = prometheus === undefined ? null : refuseUrl(policy, prometheus);
  if (refusal !== null) throw new UsageError(`--prometheus: ${refusal}`);
  return createPrometheusMetricsSource({ url, timeoutMs: config.prometheus.timeoutMs, onProgress: progress, fetchImpl: createGuardedFetch({ policy }) });
}

function summarizeWarnings(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  const more = warnings.length > 3 ? `; and ${warnings.length - 3} more warning(s) in the report` : '';
  return ` (${warnings.slice(0, 3).join('; ')}${more})`;
}
