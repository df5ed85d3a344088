/**
 * `shiftguard rollback --upgrade ID [--apply] [--url URL] [--config C.yaml] [--format text|json]`:
 * the configuration-level rollback of an upgrade through the running service's API (the service
 * owns the state store and the Unleash credentials). A preview by default; `--apply` restores every
 * flag the tuner changed for the upgrade to its value before the first change, newest first, and
 * refuses (naming them) the flags someone else changed since.
 *
 * Exit codes: 0 done (or nothing to do), 3 some flag refused or failed (a human must look), 2 bad
 * usage or an answer of the service saying the request was wrong (unknown upgrade, no tuner),
 * 1 the service could not be reached or failed.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { parseListenAddress } from '../config/listen-address.js';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_REGRESSION, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';

interface RollbackFlag {
  readonly flag: string;
  readonly status: 'restore' | 'unchanged' | 'refused';
  readonly outcome: 'restored' | 'unchanged' | 'refused' | 'failed' | null;
  readonly reason: string;
  readonly decisions: readonly string[];
  readonly lastChangedAt: string;
  readonly restoreDecision: string | null;
  readonly eventId: number | null;
}

interface RollbackAnswer {
  readonly upgrade: string;
  readonly applied: boolean;
  readonly flags: readonly RollbackFlag[];
  readonly refused: readonly string[];
}

/** Runs `rollback`; returns the exit code. */
export async function rollbackCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { upgrade: { type: 'string' }, apply: { type: 'boolean', default: false }, url: { type: 'string' }, config: { type: 'string' }, format: { type: 'string', default: 'text' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.upgrade === undefined || values.upgrade === '') throw new UsageError('rollback: --upgrade ID is required');
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`rollback: --format must be text or json, got "${values.format}"`);
  const base = values.url ?? serviceUrl(values.config, io);
  const tokenVar = values.apply ? 'SHIFTGUARD_OPERATOR_TOKEN' : io.env['SHIFTGUARD_OPERATOR_TOKEN'] ? 'SHIFTGUARD_OPERATOR_TOKEN' : 'SHIFTGUARD_VIEWER_TOKEN';
  const token = io.env[tokenVar];
  if (token === undefined || token === '') throw new UsageError(`rollback: set ${tokenVar} to a token of the service's ${values.apply ? 'operator' : 'viewer or operator'} role`);
  const url = `${base.replace(/\/$/, '')}/api/v1/upgrades/${encodeURIComponent(values.upgrade)}/rollback`;
  let response: Response;
  try {
    response = await fetch(url, { method: values.apply ? 'POST' : 'GET', headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    io.stderr.write(`shiftguard: rollback: cannot reach the service at ${base}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}\n`);
    return EXIT_INTERNAL;
  }
  const text = await response.text();
  if (!response.ok) {
    const message = errorMessage(text);
    io.stderr.write(`shiftguard: rollback: ${response.status} from ${url}: ${message}\n`);
    return response.status >= 500 ? EXIT_INTERNAL : EXIT_BAD_INPUT;
  }
  const answer = JSON.parse(text) as RollbackAnswer;
  if (values.format === 'json') io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  else io.stdout.write(renderText(answer));
  const troubled = answer.flags.some((f) => (answer.applied ? f.outcome === 'refused' || f.outcome === 'failed' : f.status === 'refused'));
  return troubled ? EXIT_REGRESSION : EXIT_OK;
}

function renderText(answer: RollbackAnswer): string {
  const lines: string[] = [];
  if (answer.flags.length === 0) {
    lines.push(`upgrade ${answer.upgrade}: the tuner changed no flags; nothing to roll back`);
  } else {
    lines.push(answer.applied ? `upgrade ${answer.upgrade}: rollback applied, newest change first:` : `upgrade ${answer.upgrade}: rollback preview (run with --apply to carry it out), newest change first:`);
    for (const f of answer.flags) {
      const what = answer.applied ? (f.outcome ?? f.status) : f.status;
      const tail = answer.applied && f.restoreDecision !== null ? ` (decision ${f.restoreDecision}${f.eventId === null ? '' : `, Unleash event ${f.eventId}`})` : '';
      lines.push(`  ${f.flag}: ${what}${what === 'restore' ? '' : ':'} ${f.reason}${tail}; tuner decisions ${f.decisions.join(', ')}, last change ${f.lastChangedAt}`);
    }
    if (answer.refused.length > 0) lines.push(`refused (changed by someone else since the tuner's last write): ${answer.refused.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    return body.error?.message ?? text;
  } catch {
    return text.slice(0, 500);
  }
}

/** The service's URL from its configuration's listen address (env SHIFTGUARD_LISTEN wins, as for serve). */
function serviceUrl(configPath: string | undefined, io: CliIo): string {
  const config = loadConfig({ path: configPath, env: io.env, cwd: io.cwd });
  const { host, port } = parseListenAddress(config.server.listen);
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
