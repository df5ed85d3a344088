/**
 * Walks a zod 4 configuration schema and lists every field a user can write: its YAML path, its type
 * as written (`duration > 0`, `` `enforce` | `dry-run` ``, `list of label names`), its default and its
 * description. Types come from the `yamlType` metadata the shared field schemas attach
 * (`schema-fields.ts`), else from the zod definition; descriptions from `.meta({ description })`.
 * Defaults are read from the schema itself: `.default(v)` and `.prefault(v)` values, a parent's
 * prefault winning over its fields' own (as parsing does). Section transforms (`pipe`) are read on
 * their input side, which is what the YAML holds.
 */
import { z } from 'zod';

/** One field of a configuration file. */
export interface ConfigField {
  /** YAML path: `windows.baseline`, `signals[].by` (`[]`: every entry), `rules[].tune.<key>.min`. */
  readonly path: string;
  /** The type as a user writes it. */
  readonly type: string;
  /** A mapping or list whose fields are listed on their own rows (listed itself only when described). */
  readonly container: boolean;
  /** `default`: `defaultValue` applies when absent; `optional`: may be absent; `required`: must be given. */
  readonly presence: 'default' | 'optional' | 'required';
  readonly defaultValue?: unknown;
  /** For a required field under an optional mapping: the path of that mapping. */
  readonly requiredWithin: string | null;
  readonly description: string | null;
  /** For a field of one branch of a discriminated list entry only, that branch: `type: latency`. */
  readonly only: string | null;
}

type Schema = z.core.$ZodType;

/** The parts of zod 4 definitions the walk reads. */
interface Def {
  readonly type: string;
  readonly innerType?: Schema;
  readonly defaultValue?: unknown;
  readonly in?: Schema;
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly element?: Schema;
  readonly options?: readonly Schema[];
  readonly discriminator?: string;
  readonly valueType?: Schema;
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, string | number>>;
}

/** A schema stripped of its wrappers, with what the wrappers said. */
interface Unwrapped {
  readonly def: Def;
  readonly description: string | null;
  readonly yamlType: string | null;
  readonly nullable: boolean;
  readonly optional: boolean;
  readonly defaultValue: { readonly value: unknown } | null;
}

/** Where the walk is: the path, the default handed down by a parent, and the nearest optional mapping. */
interface Place {
  readonly path: string;
  readonly inherited: { readonly value: unknown } | null;
  readonly optionalAncestor: string | null;
  readonly only: string | null;
}

const WRAPPERS = new Set(['default', 'prefault', 'nullable', 'optional', 'readonly', 'nonoptional', 'catch']);

/** Every field of `schema` in document order, containers included. */
export function configFields(schema: z.ZodType): ConfigField[] {
  const fields: ConfigField[] = [];
  walk(schema, { path: '', inherited: null, optionalAncestor: null, only: null }, fields);
  return fields;
}

function walk(schema: Schema, place: Place, out: ConfigField[]): void {
  const node = unwrap(schema);
  const { def } = node;
  const given = place.inherited ?? node.defaultValue;
  if (def.type === 'object' || def.type === 'record' || (def.type === 'array' && isMappingList(def))) {
    if (place.path !== '' && node.description !== null) out.push(field(place, node, given, true));
    const optionalHere = place.path !== '' && given === null && (node.optional || node.nullable) ? place.path : place.optionalAncestor;
    const below = (path: string, inherited: Place['inherited']): Place => ({ path, inherited, optionalAncestor: optionalHere, only: place.only });
    if (def.type === 'object') {
      for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, below(join(place.path, key), member(given, key)), out);
    } else if (def.type === 'record' && def.valueType !== undefined) {
      walk(def.valueType, below(`${place.path}.<key>`, null), out);
    } else if (def.element !== undefined) {
      walkEntry(def.element, below(`${place.path}[]`, null), out);
    }
    return;
  }
  out.push(field(place, node, given, false));
}

/** A list entry: a mapping, or a union of mappings whose fields are merged (see {@link mergeBranches}). */
function walkEntry(element: Schema, place: Place, out: ConfigField[]): void {
  const { def } = unwrap(element);
  if (def.type !== 'union') {
    walk(element, place, out);
    return;
  }
  const branches = (def.options ?? []).map((option) => {
    const rows: ConfigField[] = [];
    walk(option, { ...place, only: branchName(option, def.discriminator) }, rows);
    return rows;
  });
  out.push(...mergeBranches(branches));
}

/**
 * Fields common to every branch (same description and default) become one row, their types joined
 * (`` `latency` | `ratio` ``); the others keep their branch in `only`. Order: the first branch's, with
 * each other branch's own fields placed after the row of their predecessor in that branch.
 */
function mergeBranches(branches: readonly (readonly ConfigField[])[]): ConfigField[] {
  const shared = new Set<string>();
  const first = branches[0] ?? [];
  for (const row of first) {
    const same = branches.every((rows) => rows.some((other) => other.path === row.path && other.description === row.description && sameDefault(other, row)));
    if (same) shared.add(row.path);
  }
  const merged: ConfigField[] = [];
  for (const rows of branches) {
    let at = 0;
    for (const row of rows) {
      const index = merged.findIndex((m) => m.path === row.path && (shared.has(row.path) ? m.only === null : m.only === row.only));
      if (index >= 0) {
        const existing = merged[index] as ConfigField;
        if (!existing.type.split(' | ').includes(row.type)) merged[index] = { ...existing, type: `${existing.type} | ${row.type}` };
        at = index + 1;
        continue;
      }
      while (at < merged.length && (merged[at] as ConfigField).only !== null && (merged[at] as ConfigField).only !== row.only) at++;
      merged.splice(at, 0, shared.has(row.path) ? { ...row, only: null } : row);
      at++;
    }
  }
  return merged;
}

function sameDefault(a: ConfigField, b: ConfigField): boolean {
  return a.presence === b.presence && JSON.stringify(a.defaultValue) === JSON.stringify(b.defaultValue);
}

/** `type: latency` for a branch of a union discriminated on `type`; null when there is no literal to name it by. */
function branchName(option: Schema, discriminator: string | undefined): string | null {
  if (discriminator === undefined) return null;
  const key = unwrap(option).def.shape?.[discriminator];
  const value = key === undefined ? undefined : unwrap(key).def.values?.[0];
  return value === undefined ? null : `${discriminator}: ${String(value)}`;
}

function field(place: Place, node: Unwrapped, given: Unwrapped['defaultValue'], container: boolean): ConfigField {
  const presence = given !== null ? 'default' : node.optional ? 'optional' : 'required';
  return {
    path: place.path,
    type: typeOf(node),
    container,
    presence,
    ...(given === null ? {} : { defaultValue: given.value }),
    requiredWithin: presence === 'required' ? place.optionalAncestor : null,
    description: node.description,
    only: place.only,
  };
}

/** Strips wrappers (default, nullable, …) and section transforms, collecting metadata outermost first. */
function unwrap(schema: Schema): Unwrapped {
  let current = schema;
  let description: string | null = null;
  let yamlType: string | null = null;
  let nullable = false;
  let optional = false;
  let defaultValue: Unwrapped['defaultValue'] = null;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (typeof meta?.description === 'string') description ??= meta.description;
    if (typeof meta?.['yamlType'] === 'string') yamlType ??= meta['yamlType'];
    const def = current._zod.def as unknown as Def;
    if ((def.type === 'default' || def.type === 'prefault') && defaultValue === null) defaultValue = { value: def.defaultValue };
    if (def.type === 'nullable') nullable = true;
    if (def.type === 'optional') optional = true;
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && yamlType === null && def.in !== undefined) current = def.in;
    else return { def, description, yamlType, nullable, optional, defaultValue };
  }
}

/** The type as a user writes it; `or null` when null is accepted. */
function typeOf(node: Unwrapped): string {
  const base = node.yamlType ?? baseType(node.def);
  return node.nullable ? `${base} or null` : base;
}

function baseType(def: Def): string {
  switch (def.type) {
    case 'literal':
      return (def.values ?? []).map(code).join(' | ');
    case 'enum':
      return Object.values(def.entries ?? {}).map(code).join(' | ');
    case 'array':
      return isMappingList(def) ? 'list of mappings' : `list of ${def.element === undefined ? 'values' : typeOf(unwrap(def.element))}`;
    case 'union':
      return (def.options ?? []).map((option) => typeOf(unwrap(option))).join(' or ');
    case 'object':
    case 'record':
      return 'mapping';
    default:
      return def.type;
  }
}

function isMappingList(def: Def): boolean {
  if (def.type !== 'array' || def.element === undefined) return false;
  const element = unwrap(def.element).def;
  return element.type === 'object' || (element.type === 'union' && (element.options ?? []).every((o) => unwrap(o).def.type === 'object'));
}

/** The default a parent's default hands to its field `key`, if it names one. */
function member(given: Unwrapped['defaultValue'], key: string): Unwrapped['defaultValue'] {
  if (given === null || typeof given.value !== 'object' || given.value === null || !Object.hasOwn(given.value, key)) return null;
  return { value: (given.value as Record<string, unknown>)[key] };
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function code(value: unknown): string {
  return `\`${String(value)}\``;
}
