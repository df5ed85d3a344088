/**
 * The `shiftguard` command line: dispatches to the commands (thin: parse args, call features, print).
 */
import { readFileSync } from 'node:fs';
import { EXIT_OK, UsageError, reportError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { USAGE } from './usage.js';

/** Runs the CLI with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Commands load lazily: start-up is a visible share of a short analysis.
      case 'analyze':
        return await (await import('./analyze-command.js')).analyzeCommand(rest, io);
      case 'demo':
        return await (await import('./demo-command.js')).demoCommand(rest, io, packageVersion());
      case 'upgrade':
        if (rest[0] !== 'diff') throw new UsageError(`unknown command "upgrade ${rest[0] ?? ''}": expected "upgrade diff"`);
        return await (await import('./upgrade-diff-command.js')).upgradeDiffCommand(rest.slice(1), io);
      case '--version':
      case 'version':
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT_OK;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE);
        return EXIT_OK;
      case 'serve':
        return await (await import('./serve-command.js')).serveCommand(rest, io, packageVersion());
      case 'token':
        return await (await import('./token-command.js')).tokenCommand(rest, io);
      case 'rollback':
        return await (await import('./rollback-command.js')).rollbackCommand(rest, io);
      case 'sim-client':
        return await (await import('../sim/dten-sync/sim-client-command.js')).simClientCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportError(normalizeParseError(error), io);
  }
}

/** node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes: those are usage errors. */
function normalizeParseError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return new UsageError((error as Error).message);
  return error;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
