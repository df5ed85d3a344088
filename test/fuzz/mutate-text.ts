/**
 * Text-level mutations for the line-based and the YAML/JSON decoders: line edits (delete, duplicate,
 * swap, cut short, insert, keep a window of lines) and character edits that insert or replace tokens
 * of the format's grammar (a per-format dictionary, optionally repeated: `[` a few hundred times is
 * how nesting bombs are made), then, when asked, byte edits of the UTF-8 (invalid sequences).
 */
import fc from 'fast-check';
import { applyByteEdits, byteEdits, capped } from './mutate-bytes.js';
import type { ByteEdit } from './mutate-bytes.js';

/** One edit of a text; line and character positions are taken modulo the current counts. */
export type TextEdit =
  | { readonly op: 'delete-line'; readonly line: number }
  | { readonly op: 'duplicate-line'; readonly line: number; readonly to: number; readonly times: number }
  | { readonly op: 'swap-lines'; readonly a: number; readonly b: number }
  | { readonly op: 'cut-line'; readonly line: number; readonly at: number }
  | { readonly op: 'insert-line'; readonly at: number; readonly text: string }
  | { readonly op: 'window'; readonly from: number; readonly lines: number }
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'replace'; readonly at: number; readonly length: number; readonly text: string }
  | { readonly op: 'truncate'; readonly at: number };

/** A mutated text: edits of a named seed, then byte edits of its UTF-8. */
export interface TextRecipe {
  readonly seed: string;
  readonly edits: readonly TextEdit[];
  readonly bytes: readonly ByteEdit[];
}

/** Characters every text format should survive: control characters, a lone surrogate, a BOM, a replacement character, non-ASCII. */
const HOSTILE_CHARACTERS = ['\u0000', '\r', '\t', '\u000b', '\ud800', '\ufeff', '\ufffd', '\u00e9', '\u{1f600}', '\\', '"', "'", ' '];

/** Arbitrary token text: a grammar token of `dictionary` (sometimes repeated many times), a hostile character or a short random string. */
export function tokenText(dictionary: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...dictionary) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...dictionary), fc.integer({ min: 2, max: 400 })).map(([token, times]) => token.repeat(times)) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_CHARACTERS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
}

/** Arbitrary text edits whose inserted text comes from {@link tokenText} of `dictionary` or from `lines` (whole grammar-generated lines). */
export function textEdits(dictionary: readonly string[], options: { readonly lines?: fc.Arbitrary<string>; readonly maxEdits?: number } = {}): fc.Arbitrary<TextEdit[]> {
  const token = tokenText(dictionary);
  const line = options.lines === undefined ? token : fc.oneof(options.lines, token);
  const n = fc.nat();
  return fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('delete-line' as const), line: n }),
      fc.record({ op: fc.constant('duplicate-line' as const), line: n, to: n, times: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ op: fc.constant('swap-lines' as const), a: n, b: n }),
      fc.record({ op: fc.constant('cut-line' as const), line: n, at: n }),
      fc.record({ op: fc.constant('insert-line' as const), at: n, text: line }),
      fc.record({ op: fc.constant('window' as const), from: n, lines: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ op: fc.constant('insert' as const), at: n, text: token }),
      fc.record({ op: fc.constant('replace' as const), at: n, length: fc.integer({ min: 1, max: 16 }), text: token }),
      fc.record({ op: fc.constant('truncate' as const), at: n }),
    ),
    { minLength: 1, maxLength: options.maxEdits ?? 4 },
  );
}

/** Arbitrary recipes over the named `seeds`: text edits, and byte edits of the result one time in four. */
export function textRecipes(seeds: Readonly<Record<string, string>>, dictionary: readonly string[], options: { readonly lines?: fc.Arbitrary<string> } = {}): fc.Arbitrary<TextRecipe> {
  return fc.record({
    seed: fc.constantFrom(...Object.keys(seeds)),
    edits: textEdits(dictionary, options),
    bytes: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: byteEdits({ maxEdits: 2 }) }),
  });
}

/** The UTF-8 bytes a recipe makes of its seed. */
export function textRecipeBytes(seeds: Readonly<Record<string, string>>, recipe: TextRecipe): Uint8Array {
  const text = applyTextEdits(seeds[recipe.seed] ?? '', recipe.edits);
  return applyByteEdits(capped(new TextEncoder().encode(text)), recipe.bytes);
}

/** `text` with `edits` applied in order. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const edit of edits) out = applyTextEdit(out, edit);
  return out;
}

function applyTextEdit(text: string, edit: TextEdit): string {
  const lines = text.split('\n');
  const at = (k: number): number => k % lines.length;
  switch (edit.op) {
    case 'delete-line':
      lines.splice(at(edit.line), 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(at(edit.to), 0, ...Array.from({ length: edit.times }, () => lines[at(edit.line)] ?? ''));
      return lines.join('\n');
    case 'swap-lines': {
      const [a, b] = [at(edit.a), at(edit.b)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'cut-line': {
      const line = lines[at(edit.line)] ?? '';
      lines[at(edit.line)] = line.slice(0, edit.at % (line.length + 1));
      return lines.join('\n');
    }
    case 'insert-line':
      lines.splice(edit.at % (lines.length + 1), 0, edit.text);
      return lines.join('\n');
    case 'window':
      return lines.slice(at(edit.from), at(edit.from) + edit.lines).join('\n');
    case 'insert': {
      const i = edit.at % (text.length + 1);
      return text.slice(0, i) + edit.text + text.slice(i);
    }
    case 'replace': {
      const i = edit.at % (text.length + 1);
      return text.slice(0, i) + edit.text + text.slice(i + edit.length);
    }
    case 'truncate':
      return text.slice(0, edit.at % (text.length + 1));
  }
}
