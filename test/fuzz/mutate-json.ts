/**
 * Grammar-aware mutations of JSON-shaped documents (JSON bodies, and YAML files through their parsed
 * value): replace any node with a hostile value (wrong types, boundary numbers, huge strings, special
 * keys), delete it, duplicate it, rename a key, or bury it under many levels of arrays or objects.
 * The result is valid JSON (or YAML) with hostile content, which reaches the validators behind the
 * syntax; text edits on top (see `mutate-text.ts`) reach the syntax.
 */
import fc from 'fast-check';

/** One edit of a JSON value; `node` is an index into the value's nodes in pre-order (modulo their count). */
export type JsonEdit =
  | { readonly op: 'replace'; readonly node: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly node: number }
  | { readonly op: 'duplicate'; readonly node: number; readonly times: number }
  | { readonly op: 'rename'; readonly node: number; readonly key: string }
  | { readonly op: 'nest'; readonly node: number; readonly depth: number; readonly kind: 'array' | 'object' };

/** Keys that break naive code: prototype keys, empty, a Prometheus-reserved one, case and separator variants. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '__name__', 'ID', 'started_at', 'a.b', '$ref', '\u0000'];

/** Values at the edges of every type: numbers past int32/int64/2^53, special strings, empty containers, timestamps and durations that are almost right. */
const HOSTILE_CONSTANTS: readonly unknown[] = [
  null, true, false, 0, -0, -1, 1, 0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e21, 1e-7,
  '', ' ', '0', '-1', 'NaN', 'Infinity', '-Infinity', '+Inf', '0x10', '1e400', '9223372036854775808', '18446744073709551616', 'true', 'null',
  '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '2026-04-10T12:00:00', '2026-04-10T24:00:00Z', '2026-04-10T12:00:60Z',
  '1h', '0s', '-5m', '99999999999999h', '1.5h', '5m5m', 'http://[::1', 'sqlite:', 'postgres://u:p@/db', '127.0.0.1:99999',
  '\u0000', '\ud800', '\u{1f600}', '__proto__', [], {}, [[]], [null], { '': null },
];

/** A long string in a recipe, written out only when the recipe is applied (so counterexamples stay short). */
export class LongString {
  constructor(readonly length: number) {}

  /** How fast-check prints it. */
  [fc.toStringMethod](): string {
    return `new LongString(${this.length})`;
  }
}

/** Arbitrary hostile JSON values: {@link HOSTILE_CONSTANTS}, random scalars, small random JSON and long strings. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_CONSTANTS) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => new LongString(n)) },
  );
}

/** Arbitrary JSON edits. */
export function jsonEdits(options: { readonly maxEdits?: number } = {}): fc.Arbitrary<JsonEdit[]> {
  const node = fc.nat();
  return fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), node, value: hostileValue() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), node }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), node, times: fc.integer({ min: 1, max: 50 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), node, key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), node, depth: fc.integer({ min: 1, max: 150 }), kind: fc.constantFrom('array' as const, 'object' as const) }) },
    ),
    { minLength: 1, maxLength: options.maxEdits ?? 3 },
  );
}

/** A place in a JSON value: the container holding the node and the node's key there (null for the root). */
interface Place {
  readonly parent: unknown[] | Record<string, unknown> | null;
  readonly key: string | number | null;
}

/** Every node of `root` in pre-order, the root first (iterative: edits can nest deeply). */
function places(root: unknown): Place[] {
  const out: Place[] = [];
  const pending: Array<{ place: Place; value: unknown }> = [{ place: { parent: null, key: null }, value: root }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    out.push(next.place);
    const { value } = next;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ place: { parent: value, key: i }, value: value[i] });
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record).reverse()) pending.push({ place: { parent: record, key }, value: record[key] });
    }
  }
  return out;
}

/** `value` (a JSON value, not changed) with `edits` applied in order; undefined when the root was deleted. */
export function applyJsonEdits(value: unknown, edits: readonly JsonEdit[]): unknown {
  const box: Record<string, unknown> = { root: structuredClone(value) };
  for (const edit of edits) {
    const all = places(box.root);
    const place = all[edit.node % all.length] as Place;
    const target = place.parent === null ? { parent: box, key: 'root' } : place;
    applyJsonEdit(target.parent as unknown[] | Record<string, unknown>, target.key as string | number, edit);
  }
  return box.root;
}

function applyJsonEdit(parent: unknown[] | Record<string, unknown>, key: string | number, edit: JsonEdit): void {
  const current = (parent as Record<string | number, unknown>)[key];
  const set = (value: unknown): void => {
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  };
  switch (edit.op) {
    case 'replace':
      return set(edit.value instanceof LongString ? 'x'.repeat(edit.value.length) : structuredClone(edit.value));
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice((key as number) + 1, 0, ...Array.from({ length: edit.times }, () => structuredClone(current)));
      else for (let i = 1; i <= Math.min(edit.times, 20); i++) parent[`${key}_${i}`] = structuredClone(current);
      return;
    case 'rename':
      if (Array.isArray(parent) || parent === null) return;
      delete parent[key as string];
      Object.defineProperty(parent, edit.key, { value: current, enumerable: true, writable: true, configurable: true });
      return;
    case 'nest': {
      let wrapped = current;
      for (let i = 0; i < edit.depth; i++) wrapped = edit.kind === 'array' ? [wrapped] : { a: wrapped };
      return set(wrapped);
    }
  }
}
