/**
 * The token table: every bearer token shiftguard accepts, as a SHA-256 digest with the name of its
 * holder and its role. Two sources feed it: the environment variables of the three roles (CONTRACT
 * §6; their holder's name is the role's name, `operator` etc., as before there were names) and the
 * tokens file (one entry per person and token). A presented token is hashed and compared with every
 * entry in constant time, so neither timing nor length tells which entry (if any) matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { InputIssue } from '../config/input-error.js';
import type { Principal, Role } from './auth.js';
import type { TokenFileEntry } from './token-table-file.js';

/** Which roles a token grants: an operator may also do what a viewer may. */
const GRANTS: Readonly<Record<Role, readonly Role[]>> = { viewer: ['viewer'], operator: ['operator', 'viewer'], ingest: ['ingest'] };
/** The order env roles are listed in: a token set for several roles takes the first one's name. */
const ENV_ORDER: readonly Role[] = ['operator', 'viewer', 'ingest'];

/** One accepted token. */
export interface TokenEntry {
  readonly name: string;
  readonly role: Role;
  /** An environment role token (shared by whoever has the variable), not a person's. */
  readonly shared: boolean;
  /** SHA-256 of the token. */
  readonly digest: Buffer;
}

/** SHA-256 of a token, the form every entry keeps. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The entries of the role tokens set in `env`, and the roles whose variable is unset or empty. */
export function envTokenEntries(tokenEnv: Readonly<Record<Role, { env: string }>>, env: NodeJS.ProcessEnv): { entries: TokenEntry[]; unconfigured: Role[] } {
  const entries: TokenEntry[] = [];
  const unconfigured: Role[] = [];
  for (const role of ENV_ORDER) {
    const ref = tokenEnv[role];
    const value = env[ref.env];
    if (value === undefined || value === '') unconfigured.push(role);
    else entries.push({ name: role, role, digest: tokenDigest(value), shared: true });
  }
  return { entries, unconfigured };
}

/**
 * The entries of a parsed tokens file. An entry holding the digest of an environment token is an
 * issue (a token has one holder, so one name), located at its line.
 */
export function fileTokenEntries(file: readonly TokenFileEntry[], envEntries: readonly TokenEntry[]): { entries: TokenEntry[]; issues: InputIssue[] } {
  const entries: TokenEntry[] = [];
  const issues: InputIssue[] = [];
  file.forEach((entry, i) => {
    const digest = Buffer.from(entry.sha256, 'hex');
    const clash = envEntries.find((e) => e.digest.equals(digest));
    if (clash === undefined) entries.push({ name: entry.name, role: entry.role, digest, shared: false });
    else issues.push({ path: `[${i}].sha256`, ...(entry.line === null ? {} : { line: entry.line, column: 1 }), message: `the same token as the ${clash.role} role's environment variable: a token has one holder` });
  });
  return { entries, issues };
}

/**
 * Who holds `token` among `entries`: the first matching entry's name and every role the matching
 * entries grant; null when none matches. Every entry is compared, whatever matched.
 */
export function lookupPrincipal(entries: readonly TokenEntry[], token: string): Principal | null {
  const presented = tokenDigest(token);
  let holder: TokenEntry | null = null;
  const roles = new Set<Role>();
  for (const entry of entries) {
    if (!timingSafeEqual(entry.digest, presented)) continue;
    holder ??= entry;
    for (const role of GRANTS[entry.role]) roles.add(role);
  }
  return holder === null ? null : { name: holder.name, roles: [...roles], shared: holder.shared };
}

/** The roles that no entry grants (their routes then refuse everyone). */
export function rolesWithoutTokens(entries: readonly TokenEntry[]): Role[] {
  return ENV_ORDER.filter((role) => !entries.some((e) => e.role === role));
}
