/**
 * The tokens file (`server.tokensFile`, env `SHIFTGUARD_TOKENS_FILE`): per-person bearer tokens, as a
 * YAML list of `{ name, role, sha256 }`. It holds SHA-256 digests, never tokens, so it may live in a
 * ConfigMap; `shiftguard token hash` prints an entry's digest. Several entries may share a name (a
 * person's old and new token during a rotation); a digest may appear once. Validated like every other
 * file: every bad field at once, with file:line:column. Messages never quote a `sha256` value, in case
 * someone pasted a token there.
 */
import { z } from 'zod';
import { InputError } from '../config/input-error.js';
import type { InputIssue } from '../config/input-error.js';
import { parseYamlSource } from '../config/source-document.js';
import { validateSource } from '../config/validate-source.js';
import { expected, strictSection } from '../config/zod-messages.js';
import type { Role } from './auth.js';

/** Names a tokens-file entry may not take: the actors shiftguard itself records, and the env roles' names. */
export const RESERVED_NAMES: readonly string[] = ['tuner', 'guardrails', 'viewer', 'operator', 'ingest'];

/** One entry of the tokens file. */
export interface TokenFileEntry {
  /** The person (or system) the token belongs to; recorded as the actor of what it does. */
  readonly name: string;
  readonly role: Role;
  /** SHA-256 of the token, 64 lowercase hex digits. */
  readonly sha256: string;
  /** 1-based line of the entry in the file (for messages), when known. */
  readonly line: number | null;
}

/** An invalid tokens file; `issues` lists every bad field with line:column. */
export class TokensFileError extends InputError {
  constructor(file: string, issues: readonly InputIssue[]) {
    super('invalid_tokens_file', 'invalid tokens file', file, issues);
  }
}

/** What a name may look like: 1-64 letters, digits and `. _ @ + -`, starting with a letter or digit. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const NAME_TEXT = 'a name of 1-64 letters, digits and . _ @ + - (starting with a letter or digit)';
/** Never echoes the value: it may be a token pasted in the wrong place. */
const DIGEST_MESSAGE = 'expected the SHA-256 of the token as 64 hex digits (`shiftguard token hash` prints it); the value is not shown, in case it is a token';

const entrySchema = strictSection(
  {
    name: z
      .string({ error: expected(NAME_TEXT) })
      .regex(TOKEN_NAME_PATTERN, { error: expected(NAME_TEXT) })
      .refine((name) => !RESERVED_NAMES.includes(name), { error: (issue) => `${JSON.stringify(issue.input)} is reserved (${RESERVED_NAMES.join(', ')}): shiftguard records it for itself or for the environment tokens` })
      .meta({ description: `Who holds the token: ${NAME_TEXT}, not one of ${RESERVED_NAMES.join(', ')}. Recorded as the actor of everything the token does (audit rows, \`requestedBy\`, \`approvedBy\`); the two-person rule tells people apart by it. Several entries (one person's tokens) may share a name.` }),
    role: z.enum(['viewer', 'operator', 'ingest'], { error: expected('viewer, operator or ingest') }).meta({ description: 'What the token may do: `viewer` reads, `operator` also writes, `ingest` pushes metrics.' }),
    sha256: z
      .string({ error: DIGEST_MESSAGE })
      .regex(/^[0-9a-fA-F]{64}$/, { error: DIGEST_MESSAGE })
      .meta({ description: 'SHA-256 of the token in hex (`printf %s "$TOKEN" | shiftguard token hash`); the token itself is never written here.' }),
  },
  'a mapping { name, role, sha256 }',
);

/** The schema of the whole file: a list of entries, each digest at most once. `[]` is valid (no named tokens). */
export const tokensFileSchema = z
  .array(entrySchema, { error: expected('a list of { name, role, sha256 } (`[]` for none)') })
  .superRefine((entries, ctx) => {
    const seen = new Map<string, number>();
    entries.forEach((entry, i) => {
      const digest = entry.sha256.toLowerCase();
      const first = seen.get(digest);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'sha256'], input: null, message: `the same token as entry [${first}]: a token belongs to one entry` });
      else seen.set(digest, i);
    });
  });

/**
 * Validates tokens-file text (YAML) named `fileName` in messages. An empty file is refused (a file
 * caught half-written must not revoke every token): write `[]` for none.
 * @throws TokensFileError listing every bad field with file:line:column.
 */
export function parseTokensFile(text: string, fileName: string): TokenFileEntry[] {
  const parsed = parseYamlSource(text);
  if (!parsed.ok) throw new TokensFileError(fileName, parsed.issues);
  if (parsed.document.value === null) throw new TokensFileError(fileName, [{ path: '', message: 'the file is empty; expected a list of { name, role, sha256 } (`[]` for none)' }]);
  const result = validateSource(tokensFileSchema, parsed.document, 'error');
  if (!result.ok) throw new TokensFileError(fileName, result.issues);
  return result.value.map((entry, i) => ({
    name: entry.name,
    role: entry.role,
    sha256: entry.sha256.toLowerCase(),
    line: parsed.document.locate([i])?.line ?? null,
  }));
}
