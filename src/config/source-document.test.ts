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
