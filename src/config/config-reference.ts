/**
 * The configuration reference of the README, generated from the zod schemas that validate
 * `shiftguard.yaml`, `guardrails.yaml` and the tokens file, so it cannot drift from them: `npm run docs`
 * (`scripts/config-reference.ts`) writes it between two markers, and a unit test fails when the
 * README's copy differs from what the schemas render now.
 */
import { tokensFileSchema } from '../api/token-table-file.js';
import { guardrailsSchema } from '../tune/guardrails-config.js';
import { formatDuration } from './duration.js';
import { configFields } from './config-fields.js';
import type { ConfigField } from './config-fields.js';
import { shiftguardConfigSchema } from './shiftguard-config-schema.js';

/** The README line before the generated reference. */
export const REFERENCE_BEGIN = '<!-- config-reference:begin -->';
/** The README line after it. */
export const REFERENCE_END = '<!-- config-reference:end -->';

/** The fields of `shiftguard.yaml`, `guardrails.yaml` and the tokens file, descriptions from the schemas. */
export function referenceFields(): { readonly shiftguard: ConfigField[]; readonly guardrails: ConfigField[]; readonly tokens: ConfigField[] } {
  return { shiftguard: configFields(shiftguardConfigSchema), guardrails: configFields(guardrailsSchema), tokens: configFields(tokensFileSchema) };
}

/** The markdown that goes between the markers: one table per file. */
export function renderConfigReference(): string {
  const { shiftguard, guardrails, tokens } = referenceFields();
  return [
    '<!-- Generated from the zod schemas by `npm run docs` (src/config/config-reference.ts): edit the',
    '     descriptions in the schemas, not here. -->',
    '',
    '`[]` stands for every entry of a list and `<key>` for a key you choose; durations are',
    'Prometheus-style (`500ms`, `90s`, `5m`, `1h30m`, `1d`).',
    '',
    '### `config/shiftguard.yaml`',
    '',
    renderFieldTable(shiftguard),
    '',
    '### `config/guardrails.yaml`',
    '',
    'The file `tuner.guardrails` names. Without it (the default) the tuner is off.',
    '',
    renderFieldTable(guardrails),
    '',
    '### The tokens file',
    '',
    'The file `server.tokensFile` names: a YAML list of per-person tokens (`[]` for none), each digest at most once.',
    '',
    renderFieldTable(tokens),
  ].join('\n');
}

/** A markdown table of `fields`: path, type, default, description. */
export function renderFieldTable(fields: readonly ConfigField[]): string {
  const rows = fields
    .filter((f) => !f.container || f.description !== null)
    .map((f) => [`\`${f.path}\``, f.type, renderDefault(f), describe(f)].map(cell));
  return [['key', 'type', 'default', 'meaning'], ['---', '---', '---', '---'], ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** How the default column shows a field's default: durations as durations, `required`, `—` for optional. */
export function renderDefault(field: ConfigField): string {
  if (field.presence === 'optional') return '—';
  if (field.presence === 'required') return field.requiredWithin === null ? 'required' : `required in \`${field.requiredWithin}\``;
  const value = field.defaultValue;
  if (typeof value === 'number' && field.type.startsWith('duration')) return `\`${formatDuration(value)}\``;
  if (Array.isArray(value) && value.length > 0 && value.every(hasName)) return value.map((entry) => `\`${entry.name}\``).join(', ');
  return `\`${flowYaml(value)}\``;
}

/**
 * Replaces what lies between the markers in `readme` by `reference`.
 * @throws Error when the markers are missing, repeated or out of order.
 */
export function spliceConfigReference(readme: string, reference: string): string {
  const { start, end } = markers(readme);
  return `${readme.slice(0, start)}\n${reference}\n${readme.slice(end)}`;
}

/** What lies between the markers in `readme` (as {@link spliceConfigReference} writes it), or null without markers. */
export function readConfigReference(readme: string): string | null {
  if (!readme.includes(REFERENCE_BEGIN) && !readme.includes(REFERENCE_END)) return null;
  const { start, end } = markers(readme);
  return readme.slice(start, end).replace(/^\n/, '').replace(/\n$/, '');
}

function markers(readme: string): { start: number; end: number } {
  const begin = readme.indexOf(REFERENCE_BEGIN);
  const end = readme.indexOf(REFERENCE_END);
  const single = begin >= 0 && end >= 0 && readme.indexOf(REFERENCE_BEGIN, begin + 1) < 0 && readme.indexOf(REFERENCE_END, end + 1) < 0;
  if (!single || end < begin) throw new Error(`expected one ${REFERENCE_BEGIN} line followed by one ${REFERENCE_END} line`);
  return { start: begin + REFERENCE_BEGIN.length, end };
}

function describe(field: ConfigField): string {
  const text = field.description ?? '';
  return field.only === null ? text : `Only with \`${field.only}\`. ${text}`.trim();
}

function hasName(value: unknown): value is { name: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** A default value in YAML flow style: `null`, `[service, peer]`, `{ env: X }`. */
function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${flowYaml(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

/** A table cell: pipes escaped, so `` `a` | `b` `` stays in its column. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
