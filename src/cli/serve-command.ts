/**
 * `shiftguard serve`: the long-running service. Stops gracefully on SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { startService } from '../main.js';
import { EXIT_OK, untilTerminated } from './cli-io.js';
import type { CliIo } from './cli-io.js';

/** Runs `serve` until a termination signal; returns the exit code. */
export async function serveCommand(args: string[], io: CliIo, version: string): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true, allowPositionals: false });
  const config = loadConfig({ path: values.config, env: io.env, cwd: io.cwd });
  // Listen for the signal before starting: /readyz answers as soon as the port is open, while the
  // start still joins the leader election, and a SIGTERM then (a rollout, a test) must stop the
  // service gracefully, not end the process with the signal's default action.
  const terminated = untilTerminated();
  const service = await startService({ config, env: io.env, version });
  io.stderr.write(`shiftguard: serving on ${service.url} (OpenAPI at ${service.url}/openapi.json)\n`);
  await terminated;
  await service.stop();
  return EXIT_OK;
}
