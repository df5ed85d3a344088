/**
 * `shiftguard token hash`: reads a bearer token on stdin and prints the line of the tokens file that
 * names it (`server.tokensFile` holds SHA-256 digests, never tokens). Reading stdin keeps the token
 * out of the shell history and the process list:
 *
 *   printf %s "$TOKEN" | shiftguard token hash --name alice --role operator
 *   - { name: alice, role: operator, sha256: 5e88… }
 */
import { parseArgs } from 'node:util';
import { tokenDigest } from '../api/token-table.js';
import { RESERVED_NAMES, TOKEN_NAME_PATTERN } from '../api/token-table-file.js';
import { EXIT_OK, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';

const ROLES = ['viewer', 'operator', 'ingest'];

/** Runs `token <subcommand>`; returns the exit code. */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'hash') throw new UsageError(`unknown command "token ${sub ?? ''}": expected "token hash"`);
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, role: { type: 'string' } }, strict: true, allowPositionals: false });
  if ((values.name === undefined) !== (values.role === undefined)) throw new UsageError('token hash: give both --name and --role, or neither');
  if (values.role !== undefined && !ROLES.includes(values.role)) throw new UsageError(`token hash: --role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(values.role)}`);
  if (values.name !== undefined && !TOKEN_NAME_PATTERN.test(values.name)) throw new UsageError(`token hash: --name must be 1-64 letters, digits and . _ @ + - (starting with a letter or digit), got ${JSON.stringify(values.name)}`);
  if (values.name !== undefined && RESERVED_NAMES.includes(values.name)) throw new UsageError(`token hash: the name ${JSON.stringify(values.name)} is reserved (${RESERVED_NAMES.join(', ')})`);
  const token = (await readAll(io.stdin ?? process.stdin)).trim();
  if (token === '') throw new UsageError('token hash: expected the token on stdin, got nothing');
  // Never echo the token back, not even in an error.
  if (/\s/.test(token)) throw new UsageError('token hash: a bearer token cannot contain whitespace (stdin held more than one word)');
  const digest = tokenDigest(token).toString('hex');
  io.stdout.write(values.name === undefined ? `sha256: ${digest}\n` : `- { name: ${values.name}, role: ${values.role ?? ''}, sha256: ${digest} }\n`);
  return EXIT_OK;
}

async function readAll(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
