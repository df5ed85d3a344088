import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findJsonSyntaxError } from './json-syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a": }', 6, 'unexpected "}"; expected a value'],
    ['{"a": 1,}', 8, 'trailing comma before }'],
    ['[1, 2,]', 6, 'trailing comma before ]'],
    ["{'a': 1}", 1, 'expected a double-quoted property name'],
    ['{"a" 1}', 5, "expected ':' after the property name"],
    ['{"a": 1 "b": 2}', 8, "expected ',' or '}' after the property value"],
    ['[1 2]', 3, "expected ',' or ']' after the array element"],
    ['{"a": tru}', 6, 'expected true, false or null'],
    ['{"a": "x\\q"}', 8, 'invalid escape sequence'],
    ['{"a": "x', 8, 'unterminated string'],
    ['{"a": 1} x', 9, 'unexpected text after the JSON value'],
    ['{"a": 1 // c\n}', 8, 'comments are not allowed in JSON'],
    ['', 0, 'unexpected end of input; expected a value'],
    ["['x']", 1, 'strings must use double quotes'],
  ])('locates the error in %j', (text, offset, message) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(findJsonSyntaxError(text)).toEqual({ offset, message });
  });

  it('accepts exactly what JSON.parse accepts on generated JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(findJsonSyntaxError(text)).toBeUndefined();
      }),
      { seed: 7 },
    );
  });

  it('finds an error whenever JSON.parse fails on mutated JSON', () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('}', ']', ',', ':', '"', 'x', ' '), (text, at, char) => {
        const index = at % (text.length + 1);
        const mutated = text.slice(0, index) + char + text.slice(index);
        let valid = true;
        try {
          JSON.parse(mutated);
        } catch {
          valid = false;
        }
        expect(findJsonSyntaxError(mutated) === undefined).toBe(valid);
      }),
      { seed: 11 },
    );
  });
});
