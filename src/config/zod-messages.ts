/**
 * Helpers that give zod issues the messages shiftguard prints: `expected <what>, got <value>`.
 * The zod issue passed to an error function still carries the offending `input`, so messages can quote it.
 */
import { z } from 'zod';

/** The shape of a zod issue as seen by an error function: only what the messages need. */
export interface RawIssueLike {
  readonly code?: string;
  readonly input?: unknown;
}

const MAX_QUOTED_CHARS = 60;

/**
 * Describes a value for a message: strings quoted (shortened past 60 characters), numbers and booleans as
 * written, `null`, `a list`, `a mapping`, `nothing` for undefined.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}…` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Returns a zod error function producing `expected <what>, got <value>`, or `missing; expected <what>`
 * when the field is absent.
 */
export function expected(what: string): (issue: RawIssueLike) => string {
  return (issue) =>
    issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`;
}

/**
 * A strict zod object (unknown keys are reported, never dropped silently). The message of an
 * `unrecognized_keys` issue is the list of allowed keys (`expected one of: a, b`), which
 * `toInputIssues` turns into one issue per unknown key.
 * @param what how the object is described when the value is not an object at all, e.g. `a mapping`.
 */
export function strictSection<T extends z.ZodRawShape>(shape: T, what: string) {
  const allowed = `expected one of: ${Object.keys(shape).join(', ')}`;
  const notObject = expected(what);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? allowed : notObject(issue)),
  });
}

/** A non-empty string without leading or trailing whitespace, described as `what` in messages. */
export function nonEmptyString(what: string) {
  const message = expected(what);
  return z
    .string({ error: message })
    .refine((text) => text.length > 0 && text.trim() === text, { error: message });
}

/** A string matching `pattern`, described as `what` in messages. */
export function patternString(pattern: RegExp, what: string) {
  const message = expected(what);
  return z.string({ error: message }).regex(pattern, { error: message });
}
