/**
 * `shiftguard sim-client`: runs the simulated dten-sync client until SIGTERM or SIGINT (or
 * `--duration`), then stops cleanly (traffic stopped, last metric export, Unleash client destroyed,
 * partner closed) and exits 0. Unleash unreachable at start: a one-line message, exit 1.
 */
import { EXIT_INTERNAL, EXIT_OK, UsageError } from '../../cli/cli-io.js';
import type { CliIo } from '../../cli/cli-io.js';
import { startDtenSyncClient, UnleashStartError } from './client.js';
import type { DtenSyncClient } from './client.js';
import { parseSimClientArgs } from './sim-client-args.js';

/** Runs `sim-client` with `args`; returns the exit code. */
export async function simClientCommand(args: string[], io: CliIo): Promise<number> {
  const { options, durationMs } = parseSimClientArgs(args, io.env, Date.now());
  const log = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  let client: DtenSyncClient;
  try {
    client = await startDtenSyncClient({ ...options, log });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    if (!(error instanceof UnleashStartError)) throw error;
    io.stderr.write(`shiftguard: sim-client: ${error.message}\n`);
    return EXIT_INTERNAL;
  }
  log(`dten-sync: sending to partner ${client.partnerUrl}${options.shiftguardUrl === undefined ? ', metrics export off' : `, metrics to ${options.shiftguardUrl}`}`);
  const reason = await stopRequested(durationMs);
  log(`dten-sync: stopping (${reason})`);
  await client.stop();
  return EXIT_OK;
}

/** Resolves with what asked to stop: a signal, or the duration running out. */
function stopRequested(durationMs: number | null): Promise<string> {
  return new Promise((resolve) => {
    const finish = (reason: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      clearTimeout(timer);
      resolve(reason);
    };
    const onTerm = (): void => finish('SIGTERM');
    const onInt = (): void => finish('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    const timer = durationMs === null ? undefined : setTimeout(() => finish(`--duration ${durationMs} ms elapsed`), durationMs);
  });
}
