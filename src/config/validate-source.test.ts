import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonSource } from './source-document.js';
import type { SourceDocument } from './source-document.js';
import { formatPath, validateSource } from './validate-source.js';
import { expected, strictSection } from './zod-messages.js';

const schema = strictSection(
  { name: z.string({ error: expected('a name') }), items: z.array(strictSection({ n: z.number({ error: expected('a number') }) }, 'an object')) },
  'an object',
);

function documentOf(text: string): SourceDocument {
  const parsed = parseJsonSource(text);
  if (!parsed.ok) throw new Error('bad test input');
  return parsed.document;
}

describe('validateSource', () => {
  const text = '{\n  "name": "x",\n  "extra": 1,\n  "items": [ { "n": "one", "typo": 2 } ]\n}';

  it('reports unknown keys as errors under the error policy, one per key, in file order', () => {
    const result = validateSource(schema, documentOf(text), 'error');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: 'extra', line: 3, column: 3, message: 'unknown key "extra"; expected one of: name, items' },
      { path: 'items[0].n', line: 4, column: 21, message: 'expected a number, got "one"' },
      { path: 'items[0].typo', line: 4, column: 28, message: 'unknown key "typo"; expected one of: n' },
    ]);
  });

  it('drops unknown keys with warnings under the warn policy and still reports real errors', () => {
    const result = validateSource(schema, documentOf(text), 'warn');
    expect(result.warnings.map((w) => w.path)).toEqual(['extra', 'items[0].typo']);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['items[0].n']);
    const fixed = validateSource(schema, documentOf(text.replace('"one"', '1')), 'warn');
    expect(fixed).toMatchObject({ ok: true, value: { name: 'x', items: [{ n: 1 }] } });
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and quotes keys that are not plain words', () => {
    expect(formatPath(['signals', 0, 'quantiles', 1])).toBe('signals[0].quantiles[1]');
    expect(formatPath(['config', 'set', 'dten.hybrid.enable'])).toBe('config.set["dten.hybrid.enable"]');
    expect(formatPath([])).toBe('');
  });
});
