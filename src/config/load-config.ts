/**
 * Loads `shiftguard.yaml` once at start: read, apply environment overrides, validate, freeze.
 * Every bad field is reported at once with file:line:column (CONTRACT §3, STYLE habit 6).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import type { InputIssue } from './input-error.js';
import type { ShiftguardConfig } from './shiftguard-config.js';
import { shiftguardConfigSchema } from './shiftguard-config-schema.js';
import { parseYamlSource } from './source-document.js';
import { validateSource } from './validate-source.js';

/** Where `loadConfig` looks when no path is given, relative to the working directory. */
export const DEFAULT_CONFIG_PATH = 'config/shiftguard.yaml';

/** Environment variables that override one field each (applied before validation, so they are validated too). */
export const CONFIG_ENV_OVERRIDES: readonly { readonly env: string; readonly path: readonly [string, string] }[] = [
  { env: 'SHIFTGUARD_LISTEN', path: ['server', 'listen'] },
  { env: 'SHIFTGUARD_TOKENS_FILE', path: ['server', 'tokensFile'] },
  { env: 'DATABASE_URL', path: ['store', 'url'] },
];

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Explicit file (`--config`); it must exist. Without it, `config/shiftguard.yaml` is used if present. */
  readonly path?: string;
  /** Environment for the overrides; defaults to `process.env`. Empty values count as unset. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory the default path is resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * Loads, validates and deep-freezes the configuration. Without `path`, reads `config/shiftguard.yaml`
 * under `cwd` when it exists, else uses the embedded defaults. `SHIFTGUARD_LISTEN` overrides
 * `server.listen`, `SHIFTGUARD_TOKENS_FILE` overrides `server.tokensFile` and `DATABASE_URL` overrides
 * `store.url`.
 * @throws ConfigError listing every bad field (and YAML syntax errors) with file:line:column.
 */
export function loadConfig(options: LoadConfigOptions = {}): ShiftguardConfig {
  const env = options.env ?? process.env;
  if (options.path !== undefined) return parseConfig(readConfigFile(options.path), options.path, { env });
  const defaultPath = resolve(options.cwd ?? process.cwd(), DEFAULT_CONFIG_PATH);
  if (!existsSync(defaultPath)) return parseConfig('', null, { env });
  return parseConfig(readConfigFile(defaultPath, DEFAULT_CONFIG_PATH), DEFAULT_CONFIG_PATH, { env });
}

/**
 * Validates configuration text (YAML) named `fileName` in messages (null: embedded defaults, no file).
 * An empty document means "all defaults".
 * @throws ConfigError listing every bad field with file:line:column.
 */
export function parseConfig(text: string, fileName: string | null, options: { readonly env?: NodeJS.ProcessEnv } = {}): ShiftguardConfig {
  const parsed = parseYamlSource(text);
  if (!parsed.ok) throw new ConfigError(fileName, parsed.issues);
  const { value: overridden, sources } = applyEnvOverrides(parsed.document.value ?? {}, options.env ?? process.env);
  const result = validateSource(shiftguardConfigSchema, { ...parsed.document, value: overridden }, 'error');
  if (!result.ok) throw new ConfigError(fileName, result.issues.map((issue) => attributeToEnv(issue, sources)));
  const config: ShiftguardConfig = result.value;
  return deepFreeze(config);
}

function readConfigFile(path: string, shownAs: string = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(shownAs, [{ path: '', message: `cannot read the configuration file: ${reason}` }]);
  }
}

function applyEnvOverrides(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value, sources };
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const { env: name, path } of CONFIG_ENV_OVERRIDES) {
    const override = env[name];
    if (override === undefined || override === '') continue;
    const [section, key] = path;
    const current = copy[section] ?? {};
    if (typeof current !== 'object' || current === null || Array.isArray(current)) continue;
    copy[section] = { ...current, [key]: override };
    sources.set(`${section}.${key}`, `env ${name}`);
  }
  return { value: copy, sources };
}

function attributeToEnv(issue: InputIssue, sources: ReadonlyMap<string, string>): InputIssue {
  const source = sources.get(issue.path);
  return source === undefined ? issue : { path: issue.path, message: issue.message, source };
}
