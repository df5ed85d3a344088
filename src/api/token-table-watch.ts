/**
 * Token rotation without a restart: the tokens file is re-read when it changes. On use (each token
 * lookup, and each scrape of the gauges) the file's identity and change marks (inode, size, mtime and
 * ctime in ns) are checked, at most once per `checkIntervalMs` (1 s), so a removed entry stops working
 * within about a second of the write. A new file that does not validate changes nothing: the last
 * good table stays in use, the error (file:line) is logged once, and `shiftguard_tokens_file_valid`
 * drops to 0 until a good file is written. A file that cannot be read counts as a bad one (a
 * ConfigMap update swaps a symlink, which never leaves it missing). At start a bad file stops `serve`.
 */
import { readFileSync, statSync } from 'node:fs';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { tableAuth } from './auth.js';
import type { Role, TokenAuth, TokenSource } from './auth.js';
import { envTokenEntries, fileTokenEntries } from './token-table.js';
import type { TokenEntry } from './token-table.js';
import { TokensFileError, parseTokensFile } from './token-table-file.js';

/** How the watch reads the file (injected in tests). */
export interface TokenFileSystem {
  /** A text that changes whenever the file may have changed; throws when the file cannot be reached. */
  signature(path: string): string;
  readText(path: string): string;
}

/** The file system as Node sees it: inode, size, mtime and ctime in nanoseconds. */
export const NODE_TOKEN_FILE_SYSTEM: TokenFileSystem = {
  signature: (path) => {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  },
  readText: (path) => readFileSync(path, 'utf8'),
};

/** pino-compatible logging. */
export interface TokenFileLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface TokenFileWatchOptions {
  readonly path: string;
  /** The env role tokens (a file entry may not hold one of them). */
  readonly envEntries: readonly TokenEntry[];
  readonly now: () => number;
  readonly logger: TokenFileLogger;
  readonly fs?: TokenFileSystem;
  /** Least time between two checks of the file, ms (default 1000). */
  readonly checkIntervalMs?: number;
}

/** The tokens file, kept current. */
export interface TokenFileWatch extends TokenSource {
  /** Checks the file (unless checked less than `checkIntervalMs` ago) and returns the entries in use. */
  entries(): readonly TokenEntry[];
  /** Checks the file if due (as `entries` does). */
  poll(): void;
  /** Whether the last read of the file was valid (false: an older table is in use). */
  valid(): boolean;
  /** When the table in use was read, Unix ms. */
  loadedAtMs(): number;
}

/**
 * Reads the tokens file now and keeps it current from then on.
 * @throws TokensFileError when the file cannot be read or is invalid now (serve does not start).
 */
export function watchTokenFile(options: TokenFileWatchOptions): TokenFileWatch {
  const fs = options.fs ?? NODE_TOKEN_FILE_SYSTEM;
  const intervalMs = options.checkIntervalMs ?? 1000;
  const first = readTable(options, fs);
  if (!first.ok) throw first.error;
  let entries = first.entries;
  let signature: string | null = first.signature;
  let valid = true;
  let loadedAtMs = options.now();
  let lastCheckMs = loadedAtMs;
  let lastError: string | null = null;

  const check = (): void => {
    lastCheckMs = options.now();
    let now: string;
    try {
      now = fs.signature(options.path);
    } catch (error) {
      fail(new TokensFileError(options.path, [{ path: '', message: `cannot read the tokens file: ${reason(error)}` }]), null);
      return;
    }
    if (now === signature && valid) return;
    const read = readTable(options, fs);
    if (!read.ok) {
      fail(read.error, read.signature);
      return;
    }
    entries = read.entries;
    signature = read.signature;
    valid = true;
    loadedAtMs = lastCheckMs;
    lastError = null;
    options.logger.info({ file: options.path, tokens: entries.length, names: new Set(entries.map((e) => e.name)).size }, 'tokens file reloaded');
  };
  const fail = (error: TokensFileError, seen: string | null): void => {
    signature = seen;
    valid = false;
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.error({ file: options.path }, `${error.message}\nthe tokens table read at ${new Date(loadedAtMs).toISOString()} stays in use`);
  };
  const poll = (): void => {
    if (options.now() - lastCheckMs >= intervalMs) check();
  };
  return {
    entries: () => {
      poll();
      return entries;
    },
    poll,
    valid: () => valid,
    loadedAtMs: () => loadedAtMs,
  };
}

type TableRead = { ok: true; entries: TokenEntry[]; signature: string } | { ok: false; error: TokensFileError; signature: string | null };

function readTable(options: TokenFileWatchOptions, fs: TokenFileSystem): TableRead {
  let signature: string;
  let text: string;
  try {
    signature = fs.signature(options.path);
    text = fs.readText(options.path);
  } catch (error) {
    return { ok: false, error: new TokensFileError(options.path, [{ path: '', message: `cannot read the tokens file: ${reason(error)}` }]), signature: null };
  }
  try {
    const { entries, issues } = fileTokenEntries(parseTokensFile(text, options.path), options.envEntries);
    if (issues.length > 0) return { ok: false, error: new TokensFileError(options.path, issues), signature };
    return { ok: true, entries, signature };
  } catch (error) {
    if (error instanceof TokensFileError) return { ok: false, error, signature };
    throw error;
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
}

/** `shiftguard_tokens_file_valid` and `shiftguard_tokens_file_loaded_timestamp_seconds`; each scrape also checks the file. */
export function registerTokenFileGauges(registry: Registry, watch: TokenFileWatch): void {
  new Gauge({
    name: 'shiftguard_tokens_file_valid',
    help: '1 when the last read of the tokens file (server.tokensFile) was valid; 0 when it was not and the last good table stays in use.',
    registers: [registry],
    collect() {
      watch.poll();
      this.set(watch.valid() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'shiftguard_tokens_file_loaded_timestamp_seconds',
    help: 'When the tokens table in use was read from the tokens file, Unix seconds.',
    registers: [registry],
    collect() {
      this.set(watch.loadedAtMs() / 1000);
    },
  });
}

/**
 * The token table of `serve`: the env role tokens plus, when `tokensFile` is set, the tokens file
 * (kept current, with its gauges on `registry`).
 * @throws TokensFileError when the tokens file is unreadable or invalid at start.
 */
export function createServiceTokenAuth(options: {
  readonly tokens: Readonly<Record<Role, { env: string }>>;
  readonly tokensFile: string | null;
  readonly env: NodeJS.ProcessEnv;
  readonly registry: Registry;
  readonly logger: TokenFileLogger;
  readonly now: () => number;
}): TokenAuth {
  const envEntries = envTokenEntries(options.tokens, options.env).entries;
  if (options.tokensFile === null) return tableAuth(envEntries, null);
  const watch = watchTokenFile({ path: options.tokensFile, envEntries, now: options.now, logger: options.logger });
  registerTokenFileGauges(options.registry, watch);
  options.logger.info({ file: options.tokensFile, tokens: watch.entries().length }, 'named tokens read from the tokens file; changes apply within a second');
  return tableAuth(envEntries, watch);
}
