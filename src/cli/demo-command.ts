/**
 * `shiftguard demo`: simulates the built-in "dten upgrade" story (a tail regression shipped in
 * dten-gateway, a retry uptick from dten-sync's new backoff), analyses it on the embedded defaults,
 * prints the report, and leaves the inputs on disk so the same analysis can be run by hand.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { finished } from 'node:stream/promises';
import { dtenStory } from '../sim/scenarios.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { writeOpenMetrics } from '../sim/openmetrics-writer.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { reportJson } from '../report/report.js';
import { formatMarkdown } from '../report/format-markdown.js';
import { EXIT_OK, UsageError, progressPrinter } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { parseFormat, renderReport } from './render-report.js';

/** Runs `demo` with `args`; returns the exit code. */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'out-dir': { type: 'string', default: join('data', 'demo') },
      format: { type: 'string', default: 'table' },
      seed: { type: 'string', default: '1' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, got "${values.seed}"`);
  const format = parseFormat(values.format, true);
  const progress = progressPrinter(io, values.quiet);
  const outDir = resolve(io.cwd, values['out-dir']);

  progress(`simulating the dten upgrade story (seed ${seed}): 7 instances, 09:30-13:45, 15 s scrapes`);
  const story = dtenStory(seed);
  const fleet = simulateFleet(story.scenario);
  await mkdir(outDir, { recursive: true });
  const metricsPath = join(outDir, 'metrics.om');
  const upgradePath = join(outDir, 'upgrade.json');
  progress(`writing ${fleet.series.length} series to ${relative(io.cwd, metricsPath)}`);
  const stream = createWriteStream(metricsPath);
  await writeOpenMetrics(fleet.series, stream);
  stream.end();
  await finished(stream);
  await writeFile(upgradePath, `${JSON.stringify(story.upgrade, null, 2)}\n`);

  progress('analysing on the embedded default configuration');
  const report = await runAnalysis({
    config: defaultConfig(),
    upgrade: validateUpgrade(story.upgrade, relative(io.cwd, upgradePath)),
    source: createMemoryMetricsSource(fleet.series),
    onProgress: progress,
  });
  await writeFile(join(outDir, 'report.json'), reportJson(report));
  await writeFile(join(outDir, 'report.md'), formatMarkdown(report));
  io.stdout.write(renderReport(report, format));
  const rel = (p: string): string => relative(io.cwd, p) || '.';
  io.stdout.write(
    [
      '',
      'Where to look:',
      `  ${rel(join(outDir, 'report.json'))} and report.md: the full report (statistics, onsets, suspects with evidence)`,
      `  ${rel(metricsPath)}, ${rel(upgradePath)}: the simulated telemetry and the upgrade description`,
      `  re-run it: npx shiftguard analyze --upgrade ${rel(upgradePath)} --metrics ${rel(metricsPath)} --format table`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
