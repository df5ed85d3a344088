/**
 * `shiftguard demo`: the built-in "dten upgrade" story (a tail regression shipped in dten-gateway, a
 * retry uptick from dten-sync's new backoff).
 * - live (default): starts `serve` on the embedded defaults with the tuner on in-memory flags (or on a
 *   real Unleash when `UNLEASH_URL` is set, see `demo-unleash.ts`), plays the story against it at a
 *   compressed time scale, prints the review page's address and sign-in tokens, and a status line
 *   every 10 s on stderr, until Ctrl-C (or `--duration`).
 * - `--offline`: simulates the whole story at once, analyses it like `analyze`, prints the report and
 *   leaves the inputs on disk so the same analysis can be run by hand.
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
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, progressPrinter, untilTerminated } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { parseFormat, renderReport } from './render-report.js';
import { startLiveDemo } from '../sim/demo/live-demo.js';
import type { LiveDemo } from '../sim/demo/live-demo.js';
import { DemoUnleashError, demoUnleashFromEnv } from '../sim/demo/demo-unleash.js';
import type { DemoUnleash } from '../sim/demo/demo-unleash.js';
import { UnleashStartError } from '../sim/dten-sync/unleash-flags.js';
import { tryParseDurationMs } from '../config/duration.js';

/** Runs `demo` with `args`; returns the exit code. */
export async function demoCommand(args: string[], io: CliIo, version = '0.0.0'): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      offline: { type: 'boolean', default: false },
      'out-dir': { type: 'string', default: join('data', 'demo') },
      format: { type: 'string', default: 'table' },
      seed: { type: 'string', default: '1' },
      quiet: { type: 'boolean', default: false },
      listen: { type: 'string', default: '127.0.0.1:8080' },
      duration: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected an integer, got "${values.seed}"`);
  if (!values.offline) {
    const durationMs = values.duration === undefined ? null : parseDuration('--duration', values.duration);
    return liveDemo({ dir: resolve(io.cwd, values['out-dir'], 'live'), listen: values.listen, seed, durationMs, quiet: values.quiet, version }, io);
  }
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

function parseDuration(flag: string, text: string): number {
  const parsed = tryParseDurationMs(text);
  if (!parsed.ok) throw new UsageError(`${flag}: expected a duration such as 90s or 5m, got "${text}"`);
  return parsed.ms;
}

/** The live demo: runs until SIGINT/SIGTERM or `durationMs`. */
async function liveDemo(options: { dir: string; listen: string; seed: number; durationMs: number | null; quiet: boolean; version: string }, io: CliIo): Promise<number> {
  const progress = progressPrinter(io, options.quiet);
  let demo: LiveDemo;
  let unleash: DemoUnleash | null;
  try {
    unleash = demoUnleashFromEnv(io.env);
    progress(`starting shiftguard serve on the embedded defaults (SQLite, the tuner on ${unleash === null ? 'in-memory flags' : `the Unleash at ${unleash.url}`}) and the simulated dten fleet`);
    demo = await startLiveDemo({ dir: options.dir, listen: options.listen, seed: options.seed, version: options.version, progress, unleash });
  } catch (error) {
    if (!(error instanceof DemoUnleashError || error instanceof UnleashStartError)) throw error;
    io.stderr.write(`shiftguard: demo: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const flagsLive = unleash === null ? '' : ` in Unleash (project ${unleash.project}, environment ${unleash.environment})`;
  io.stdout.write(
    [
      '',
      `Review page: ${demo.url}/`,
      `  sign in with the operator token ${demo.tokens.operator}`,
      `  (viewer token ${demo.tokens.viewer}; both live only as long as this demo)`,
      `What happens: the upgrade ${demo.upgradeId} rolls out at ${new Date(demo.upgradeAtMs).toISOString().slice(11, 19)} UTC, about a minute from now.`,
      `  dten-gateway 4.3.0 slows /v1/route: the tuner proposes disabling dten.gateway.hybrid${flagsLive} and waits for you to approve it.`,
      `  dten-sync 2.0.0 retries more: the tuner disables dten.sync.backoff-v2${flagsLive} on its own, verifies it, keeps or reverts it.`,
      `Files: ${options.dir} (shiftguard.yaml, guardrails.yaml, the state store, serve.log)`,
      options.durationMs === null ? 'Ctrl-C stops the demo.' : `The demo stops after ${Math.round(options.durationMs / 1000)} s.`,
      '',
    ].join('\n'),
  );
  const status = setInterval(() => {
    statusLine(demo).then(progress, (error: unknown) => progress(`status unavailable: ${error instanceof Error ? error.message : String(error)}`));
  }, 10_000);
  await untilTerminated(options.durationMs);
  clearInterval(status);
  progress('stopping the demo');
  await demo.stop();
  return EXIT_OK;
}

/** One line on where the story stands: the phase, open findings, and decisions by state. */
async function statusLine(demo: LiveDemo): Promise<string> {
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${demo.url}${path}`, { headers: { Authorization: `Bearer ${demo.tokens.viewer}` } })).json()) as T;
  const [findings, decisions] = await Promise.all([get<{ signal: string; labels: Record<string, string> }[]>('/api/v1/findings'), get<{ flag: string; status: string }[]>('/api/v1/decisions')]);
  const seconds = Math.round((Date.now() - demo.upgradeAtMs) / 1000);
  const phase = seconds < 0 ? `baseline filling, upgrade in ${-seconds} s` : `upgrade + ${seconds} s`;
  const open = findings.map((f) => `${f.signal} {${Object.values(f.labels).join(', ')}}`).join('; ');
  const states = decisions.map((d) => `${d.flag} ${d.status}`).join(', ');
  return `demo: ${phase}; ${findings.length} open finding(s)${open === '' ? '' : ` (${open})`}; decisions: ${states === '' ? 'none yet' : states}`;
}
