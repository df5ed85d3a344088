/**
 * Validates a parsed source document against a zod schema and turns every zod issue into an
 * {@link InputIssue} with the field path and line:column of the offending node.
 */
import type { z } from 'zod';
import type { InputIssue } from './input-error.js';
import type { SourceDocument } from './source-document.js';

/** What to do with keys a strict schema does not know: fail, or drop them and report a warning. */
export type UnknownKeyPolicy = 'error' | 'warn';

/** Result of {@link validateSource}. Warnings are unknown keys under the `warn` policy. */
export type SourceValidation<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: InputIssue[] }
  | { readonly ok: false; readonly issues: InputIssue[]; readonly warnings: InputIssue[] };

type ZodIssue = z.core.$ZodIssue;

/**
 * Validates `document.value` with `schema` (whose objects should be strict, see `strictSection`).
 * Under the `warn` policy unknown keys are removed and reported as warnings, then the rest is validated.
 * Issues are ordered by position in the file.
 */
export function validateSource<S extends z.ZodType>(
  schema: S,
  document: SourceDocument,
  policy: UnknownKeyPolicy,
): SourceValidation<z.output<S>> {
  const first = schema.safeParse(document.value);
  if (first.success) return { ok: true, value: first.data, warnings: [] };
  const unknownKeys = first.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
  if (policy === 'error' || unknownKeys.length === 0) {
    return { ok: false, issues: toInputIssues(first.error.issues, document), warnings: [] };
  }
  const warnings = toInputIssues(unknownKeys, document).map((w) => ({ ...w, message: `${w.message} (ignored)` }));
  const stripped = withoutKeys(document.value, unknownKeys);
  const second = schema.safeParse(stripped);
  if (second.success) return { ok: true, value: second.data, warnings };
  return { ok: false, issues: toInputIssues(second.error.issues, document), warnings };
}

/** Converts zod issues to located input issues: one per unknown key, sorted by line and column. */
export function toInputIssues(issues: readonly ZodIssue[], document: SourceDocument): InputIssue[] {
  const result: InputIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const position = document.locate(path, { key: true });
        result.push({ path: formatPath(path), ...position, message: `unknown key ${JSON.stringify(key)}; ${issue.message}` });
      }
    } else {
      result.push({ path: formatPath(issue.path), ...document.locate(issue.path), message: issue.message });
    }
  }
  return result.sort(byPosition);
}

/** Formats a path as `signals[0].quantiles[1]`; keys that are not plain words are quoted: `set["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

function byPosition(a: InputIssue, b: InputIssue): number {
  const lineA = a.line ?? Number.POSITIVE_INFINITY;
  const lineB = b.line ?? Number.POSITIVE_INFINITY;
  if (lineA !== lineB) return lineA < lineB ? -1 : 1;
  return (a.column ?? 0) - (b.column ?? 0);
}

/**
 * `value` without the unknown keys of `issues`. Only the objects and arrays on the paths to them are
 * copied (shallowly), the rest is shared: a deep copy of the whole value (structuredClone) overflowed
 * the stack on a parsed body nested thousands of levels deep.
 */
function withoutKeys(value: unknown, issues: readonly ZodIssue[]): unknown {
  const copies = new Set<unknown>();
  const copyOf = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object' || copies.has(node)) return node;
    const copy = Array.isArray(node) ? [...(node as unknown[])] : { ...node };
    copies.add(copy);
    return copy;
  };
  const root: Record<PropertyKey, unknown> = { value: copyOf(value) };
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    let target = root.value as Record<PropertyKey, unknown>;
    for (const key of issue.path) target = (target[key] = copyOf(target[key])) as Record<PropertyKey, unknown>;
    for (const key of issue.keys) delete target[key];
  }
  return root.value;
}
