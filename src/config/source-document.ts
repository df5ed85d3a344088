/**
 * A parsed input text that remembers where each value came from, so validation issues can name
 * line:column. YAML goes through the yaml package's Document API; JSON is parsed by `JSON.parse` (the
 * authority on syntax and values) and located through the same Document API (JSON is YAML 1.2).
 * Collections nested deeper than {@link MAX_NESTING_DEPTH} are refused before the Document API
 * sees them: it composes nodes recursively, and a few kilobytes of `[[[[…` exhausted the stack,
 * which V8 sometimes turned into a fatal out-of-memory abort of the whole process.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser, parseDocument, visit } from 'yaml';
import type { CST, Document, Node } from 'yaml';
import type { InputIssue } from './input-error.js';
import { findJsonSyntaxError } from './json-syntax.js';

/** 1-based line and column in the source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A parsed text plus a locator for paths into it. */
export interface SourceDocument {
  /** The plain JavaScript value of the document (null for an empty YAML document). */
  readonly value: unknown;
  /**
   * Position of the node at `path`, or of its nearest existing ancestor when the path does not exist
   * (a missing key points at the object that lacks it). With `key: true` the position of the final key
   * itself is returned (for unknown keys). Undefined when positions are unknown.
   */
  locate(path: readonly PropertyKey[], options?: { readonly key?: boolean }): SourcePosition | undefined;
}

/** Either a parsed document or the syntax issues that prevented parsing. */
export type SourceParse =
  | { readonly ok: true; readonly document: SourceDocument }
  | { readonly ok: false; readonly issues: InputIssue[] };

/** Most times an alias may expand its anchor's content (the yaml package's guard against "billion laughs" bombs). */
const MAX_ALIAS_COUNT = 100;

/** Deepest nesting of lists and mappings accepted in a YAML or JSON input (shiftguard's own files need fewer than 10). */
export const MAX_NESTING_DEPTH = 100;

/** Parses YAML text (one document, YAML 1.2 core schema, unique keys); syntax errors carry line:column. */
export function parseYamlSource(text: string): SourceParse {
  const tooDeep = nestingIssue(text);
  if (tooDeep !== undefined) return { ok: false, issues: [tooDeep] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => ({
      path: '',
      ...toPosition(lineCounter, error.pos[0]),
      message: `invalid YAML: ${firstLine(error.message)}`,
    }));
    return { ok: false, issues };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package throws a ReferenceError for aliases that expand too far ("billion laughs").
    if (!(error instanceof ReferenceError)) throw error;
    return { ok: false, issues: [{ path: '', ...firstAliasPosition(doc, lineCounter), message: `invalid YAML: ${firstLine(error.message)} (aliases expand to too many nodes)` }] };
  }
  return { ok: true, document: locatingDocument(doc, lineCounter, value) };
}

/**
 * Parses JSON text strictly (`JSON.parse`; comments, trailing commas and single quotes are errors) and
 * keeps positions for validation messages. Duplicate keys are reported (JSON.parse would keep the last).
 */
export function parseJsonSource(text: string): SourceParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [jsonSyntaxIssue(text, error)] };
  }
  const tooDeep = nestingIssue(text);
  if (tooDeep !== undefined) return { ok: false, issues: [tooDeep] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const duplicate = doc.errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (duplicate !== undefined) {
    const issue = { path: '', ...toPosition(lineCounter, duplicate.pos[0]), message: 'duplicate key in object' };
    return { ok: false, issues: [issue] };
  }
  // A valid JSON text the YAML parser still rejects (exotic, e.g. a key over 1024 characters): keep the
  // value, give up positions.
  if (doc.errors.length > 0) return { ok: true, document: { value, locate: () => undefined } };
  return { ok: true, document: locatingDocument(doc, lineCounter, value) };
}

function jsonSyntaxIssue(text: string, error: unknown): InputIssue {
  const found = findJsonSyntaxError(text);
  if (found === undefined) return { path: '', message: `invalid JSON: ${(error as Error).message}` };
  return { path: '', ...positionIn(text, found.offset), message: `invalid JSON: ${found.message}` };
}

/**
 * The issue of the first collection nested deeper than {@link MAX_NESTING_DEPTH}, found on the yaml
 * package's concrete syntax tree (built without recursion) by an explicit-stack walk; undefined when
 * the text nests less.
 */
function nestingIssue(text: string): InputIssue | undefined {
  const pending: Array<{ token: CST.Token | null | undefined; depth: number }> = [];
  for (const token of new Parser().parse(text)) pending.push({ token, depth: 0 });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (token?.type === 'document') pending.push({ token: token.value, depth });
    if (token?.type !== 'block-map' && token?.type !== 'block-seq' && token?.type !== 'flow-collection') continue;
    if (depth >= MAX_NESTING_DEPTH) {
      return { path: '', ...positionIn(text, token.offset), message: `lists and mappings nest deeper than ${MAX_NESTING_DEPTH} levels` };
    }
    for (const item of token.items) {
      pending.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Position of the document's first alias (`*name`), if it has one. */
function firstAliasPosition(doc: Document, lineCounter: LineCounter): Partial<SourcePosition> {
  let offset: number | undefined;
  visit(doc, {
    Alias: (_key, node) => {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? {} : toPosition(lineCounter, offset);
}

/** Line and column of `offset` in `text`, for issues found before (or without) a parsed document. */
function positionIn(text: string, offset: number): SourcePosition {
  const lineCounter = new LineCounter();
  let lineStart = 0;
  for (;;) {
    lineCounter.addNewLine(lineStart);
    const next = text.indexOf('\n', lineStart);
    if (next < 0) break;
    lineStart = next + 1;
  }
  return toPosition(lineCounter, offset);
}

function locatingDocument(doc: Document, lineCounter: LineCounter, value: unknown): SourceDocument {
  return {
    value,
    locate: (path, options) => {
      const offset = findOffset(doc, path, options?.key === true);
      return offset === undefined ? undefined : toPosition(lineCounter, offset);
    },
  };
}

function findOffset(doc: Document, path: readonly PropertyKey[], wantKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const pair = isMap(node) ? node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment)) : undefined;
    if (pair !== undefined && isPair(pair)) {
      if (wantKey && i === path.length - 1) return startOf(pair.key) ?? offset;
      node = pair.value;
      offset = startOf(pair.value) ?? startOf(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      offset = startOf(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range === undefined || range === null ? undefined : range[0];
}

function toPosition(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
