import { describe, expect, it } from 'vitest';
import { parseJsonSource, parseYamlSource } from './source-document.js';
import type { SourceDocument } from './source-document.js';

function documentOf(parse: ReturnType<typeof parseJsonSource>): SourceDocument {
  if (!parse.ok) throw new Error(JSON.stringify(parse.issues));
  return parse.document;
}

describe('parseJsonSource', () => {
  const text = '{\n  "id": "u",\n  "binaries": [\n    { "name": "a", "rollout": [ { "at": "x" } ] }\n  ]\n}\n';

  it('keeps the JSON.parse value and locates paths, keys and missing fields', () => {
    const document = documentOf(parseJsonSource(text));
    expect(document.value).toEqual(JSON.parse(text));
    expect(document.locate(['id'])).toEqual({ line: 2, column: 9 });
    expect(document.locate(['id'], { key: true })).toEqual({ line: 2, column: 3 });
    expect(document.locate(['binaries', 0, 'rollout', 0, 'at'])).toEqual({ line: 4, column: 41 });
    expect(document.locate(['binaries', 0, 'from'])).toEqual({ line: 4, column: 5 });
    expect(document.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('reports syntax errors with line and column', () => {
    expect(parseJsonSource('{\n  "a": 1,\n}\n')).toEqual({
      ok: false,
      issues: [{ path: '', line: 3, column: 1, message: 'invalid JSON: trailing comma before }' }],
    });
  });

  it('reports duplicate keys, which JSON.parse would silently merge', () => {
    expect(parseJsonSource('{\n  "a": 1,\n  "a": 2\n}')).toEqual({
      ok: false,
      issues: [{ path: '', line: 3, column: 3, message: 'duplicate key in object' }],
    });
  });
});

describe('parseYamlSource', () => {
  it('locates values and missing keys in block YAML', () => {
    const document = documentOf(parseYamlSource('a:\n  b:\n    - 1\n    - 2\n'));
    expect(document.value).toEqual({ a: { b: [1, 2] } });
    expect(document.locate(['a', 'b', 1])).toEqual({ line: 4, column: 7 });
    expect(document.locate(['a', 'c'])).toEqual({ line: 2, column: 3 });
  });

  it('rejects duplicate keys', () => {
    const parse = parseYamlSource('a: 1\na: 2\n');
    expect(parse.ok).toBe(false);
    if (!parse.ok) expect(parse.issues[0]).toMatchObject({ line: 2, column: 1 });
  });
});

describe('nesting depth', () => {
  // Found by test/fuzz/config.fuzz.test.ts: the yaml package composes nodes recursively; a few
  // kilobytes of nested lists exhausted the stack, and after a few such files V8 aborted the whole
  // process ("RegExpCompiler Allocation failed - process out of memory").
  const deepYaml = (levels: number): string => `a: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
  const deepJson = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('accepts 100 levels and refuses 101 with the line and column of the first level too many', () => {
    expect(parseYamlSource(deepYaml(99)).ok).toBe(true);
    expect(parseYamlSource(deepYaml(100))).toEqual({ ok: false, issues: [{ path: '', line: 1, column: 103, message: 'lists and mappings nest deeper than 100 levels' }] });
    expect(parseJsonSource(deepJson(100)).ok).toBe(true);
    expect(parseJsonSource(`\n${deepJson(101)}`)).toEqual({ ok: false, issues: [{ path: '', line: 2, column: 501, message: 'lists and mappings nest deeper than 100 levels' }] });
    expect(parseYamlSource(`${'- '.repeat(101)}x\n`)).toMatchObject({ ok: false, issues: [{ line: 1, column: 201 }] });
  });

  it('refuses thousands of levels again and again without exhausting the stack', () => {
    for (let i = 0; i < 10; i++) {
      expect(parseYamlSource(deepYaml(3000)).ok).toBe(false);
      expect(parseJsonSource(deepJson(3000)).ok).toBe(false);
    }
  });
});

describe('alias bombs', () => {
  it('refuses aliases that expand too far with an issue at the first alias, not an exception', () => {
    // Found by test/fuzz/config.fuzz.test.ts: the yaml package's ReferenceError escaped parseYamlSource.
    const names = 'abcdefghij';
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(10).fill(`*${names[i - 1]}`).join(', ')}]`);
    expect(parseYamlSource(lines.join('\n'))).toEqual({
      ok: false,
      issues: [{ path: '', line: 2, column: 8, message: 'invalid YAML: Excessive alias count indicates a resource exhaustion attack (aliases expand to too many nodes)' }],
    });
  });
});
