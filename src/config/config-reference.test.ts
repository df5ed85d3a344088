import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guardrailsSchema } from '../tune/guardrails-config.js';
import type { ConfigField } from './config-fields.js';
import {
  REFERENCE_BEGIN,
  REFERENCE_END,
  readConfigReference,
  referenceFields,
  renderConfigReference,
  renderDefault,
  spliceConfigReference,
} from './config-reference.js';
import { defaultConfig } from './shiftguard-config.js';
import { shiftguardConfigSchema } from './shiftguard-config-schema.js';

const README = new URL('../../README.md', import.meta.url);

function byPath(fields: readonly ConfigField[], path: string): ConfigField {
  const found = fields.find((f) => f.path === path);
  if (found === undefined) throw new Error(`no field ${path}`);
  return found;
}

/** The YAML document the reference's defaults describe (fields inside lists and records left out). */
function documentOfDefaults(fields: readonly ConfigField[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const withDefaults = fields.filter((f) => f.presence === 'default' && !/\[\]|<key>/.test(f.path));
  for (const f of [...withDefaults].sort((a, b) => a.path.split('.').length - b.path.split('.').length)) {
    const keys = f.path.split('.');
    let node = root;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1) as string] = structuredClone(f.defaultValue);
  }
  return root;
}

describe('the configuration reference', () => {
  const { shiftguard, guardrails, tokens } = referenceFields();

  it('describes every field of shiftguard.yaml, guardrails.yaml and the tokens file', () => {
    const undescribed = (fields: readonly ConfigField[], file: string): string[] =>
      fields.filter((f) => !f.container && f.description === null).map((f) => `${file}: ${f.path}`);
    const missing = [...undescribed(shiftguard, 'shiftguard.yaml'), ...undescribed(guardrails, 'guardrails.yaml'), ...undescribed(tokens, 'tokens file')];
    expect(tokens.map((f) => f.path)).toEqual(['[].name', '[].role', '[].sha256']);
    expect(missing, 'fields without a description: add .meta({ description }) to their schema').toEqual([]);
  });

  it('renders the documented defaults, which parse to the embedded defaults', () => {
    expect(shiftguardConfigSchema.parse(documentOfDefaults(shiftguard))).toEqual(defaultConfig());
    expect(guardrailsSchema.parse(documentOfDefaults(guardrails))).toEqual(guardrailsSchema.parse({}));
  });

  it('shows durations, enums, lists and nullable fields as a user writes them', () => {
    const baseline = byPath(shiftguard, 'windows.baseline');
    expect([baseline.type, renderDefault(baseline)]).toEqual(['duration > 0', '`2h`']);
    expect(byPath(shiftguard, 'tuner.leaseDuration').type).toBe('duration ≥ 3s');
    expect(renderDefault({ ...baseline, defaultValue: 5_400_000 })).toBe('`1h30m`');
    expect(byPath(guardrails, 'mode').type).toBe('`enforce` | `dry-run`');
    expect(byPath(shiftguard, 'signals[].by').type).toBe('list of label names');
    expect(byPath(shiftguard, 'prometheus.url').type).toBe('http(s) URL or null');
    expect(renderDefault(byPath(shiftguard, 'server.tokens.viewer.env'))).toBe('`SHIFTGUARD_VIEWER_TOKEN`');
    expect(renderDefault(byPath(guardrails, 'rules[].strategy.title'))).toBe('required in `rules[].strategy`');
    expect(renderDefault(byPath(guardrails, 'rules[].variant'))).toBe('—');
  });

  it('lists the fields of one kind of signal once, saying which kind', () => {
    const signalRows = shiftguard.filter((f) => f.path.startsWith('signals[].'));
    expect(signalRows.map((f) => f.path)).toEqual([
      'signals[].name',
      'signals[].type',
      'signals[].metric',
      'signals[].numerator',
      'signals[].denominator',
      'signals[].by',
      'signals[].quantiles',
      'signals[].minRelativeChange',
      'signals[].minAbsoluteChange',
    ]);
    expect(byPath(shiftguard, 'signals[].type').type).toBe('`latency` | `ratio`');
    expect(byPath(shiftguard, 'signals[].quantiles').only).toBe('type: latency');
    expect(byPath(shiftguard, 'signals[].by').only).toBeNull();
  });

  it('is what README.md holds between its markers (run `npm run docs` when this fails)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readConfigReference(readme), 'README.md has no config-reference markers').not.toBeNull();
    expect(readConfigReference(readme), 'README.md\'s configuration reference is out of date: run `npm run docs`').toBe(renderConfigReference());
  });
});

describe('spliceConfigReference', () => {
  const readme = `# x\n\n${REFERENCE_BEGIN}\nold\n${REFERENCE_END}\n\nrest\n`;

  it('replaces only what lies between the markers, and reads back what it wrote', () => {
    const spliced = spliceConfigReference(readme, 'new | table');
    expect(spliced).toBe(`# x\n\n${REFERENCE_BEGIN}\nnew | table\n${REFERENCE_END}\n\nrest\n`);
    expect(readConfigReference(spliced)).toBe('new | table');
    expect(spliceConfigReference(spliced, 'new | table')).toBe(spliced);
  });

  it('refuses a README with a missing, repeated or reversed marker', () => {
    expect(() => spliceConfigReference('# x\n', 'a')).toThrow(/expected one/);
    expect(() => spliceConfigReference(`${readme}${REFERENCE_BEGIN}\n`, 'a')).toThrow(/expected one/);
    expect(() => spliceConfigReference(`${REFERENCE_END}\n${REFERENCE_BEGIN}\n`, 'a')).toThrow(/expected one/);
    expect(readConfigReference('# no markers\n')).toBeNull();
  });
});
