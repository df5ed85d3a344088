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
  const service = await startService({ config, env: io.env, version });
  io.stderr.write(`shiftguard: serving on ${service.url} (OpenAPI at ${service.url}/openapi.json)\n`);
  await untilTerminated();
  await service.stop();
  return EXIT_OK;
}
