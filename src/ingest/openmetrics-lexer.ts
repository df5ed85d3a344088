/**
 * Character-level scanning helpers of the OpenMetrics / Prometheus text parser: character classes,
 * number tokens and label blocks. Everything works on indices into one large string (no regex, no
 * per-line substrings), because this is the hot loop of file ingest.
 */
import { MetricsInputError } from './metrics-input-error.js';

/** Where the line being scanned lives, so that errors can name file, line and column. */
export interface LineContext {
  readonly file: string;
  readonly line: number;
  /** Index in the scanned string of the line's first character. */
  readonly lineStart: number;
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const EQUALS = 61;
const RBRACE = 125;

/** A syntax error at `index` of the scanned string (column = index − lineStart + 1). */
export function syntaxError(ctx: LineContext, index: number, reason: string): MetricsInputError {
  return new MetricsInputError(ctx.file, ctx.line, reason, index - ctx.lineStart + 1);
}

/** `'x'` for the character at `index`, or `end of line` past `end`. */
export function describeAt(text: string, index: number, end: number): string {
  if (index >= end) return 'end of line';
  const ch = text.charAt(index);
  return ch === '\t' ? 'a tab' : `'${ch}'`;
}

/** True for space or tab. */
export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** First character of a metric name: `[a-zA-Z_:]`. */
export function isMetricNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

/** Later characters of a metric name: `[a-zA-Z0-9_:]`. */
export function isMetricNameChar(c: number): boolean {
  return isMetricNameStart(c) || (c >= 48 && c <= 57);
}

function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}

/** Index of the first non-blank character at or after `i` (at most `end`). */
export function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** Index just after the token starting at `i` (a token ends at a blank or at `end`). */
export function tokenEnd(text: string, i: number, end: number): number {
  while (i < end && !isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** Index just after a metric name starting at `i`, or `i` when there is none. */
export function metricNameEnd(text: string, i: number, end: number): number {
  if (i >= end || !isMetricNameStart(text.charCodeAt(i))) return i;
  i++;
  while (i < end && isMetricNameChar(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses the number token text[start, end): decimal with optional sign, fraction and exponent, or
 * `NaN` / `Inf` / `+Inf` / `-Inf` (case-insensitive, as Go's ParseFloat). Returns undefined when
 * the token is not a number. Plain decimals of up to 15 digits (`123`, `-4.5`, `1775779200.123`)
 * take an allocation-free fast path; it is exact because both the digits and the power of ten are
 * exact doubles, so one correctly rounded division gives the same result as `Number()`.
 */
export function parseNumber(text: string, start: number, end: number): number | undefined {
  const fast = parseSimpleDecimal(text, start, end);
  return fast === undefined ? parseNumberSlow(text.substring(start, end)) : fast;
}

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** `[-]digits[.digits]` with at most 15 digits in all, else undefined. */
function parseSimpleDecimal(text: string, start: number, end: number): number | undefined {
  let i = start;
  const negative = i < end && text.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (c === 46 && fractionDigits < 0) fractionDigits = 0;
    else return undefined;
  }
  if (digits === 0 || digits > 15 || fractionDigits === 0) return undefined;
  const value = fractionDigits > 0 ? mantissa / (POWERS_OF_TEN[fractionDigits] ?? 1) : mantissa;
  return negative ? -value : value;
}

function parseNumberSlow(token: string): number | undefined {
  if (token === '') return undefined;
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69;
    if (!ok) return undefined;
  }
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * Index just after the `}` closing the label block that starts with `{` at `i`, skipping quoted
 * values and their escapes; -1 when the line ends first. Does not validate: see {@link parseLabels}.
 */
export function labelBlockEnd(text: string, i: number, end: number): number {
  let inQuotes = false;
  for (i++; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inQuotes = false;
    } else if (c === QUOTE) inQuotes = true;
    else if (c === RBRACE) return i + 1;
  }
  return -1;
}

/** Result of {@link parseLabels}: the label set and the index just after the closing `}`. */
export interface ParsedLabels {
  readonly labels: Record<string, string>;
  readonly end: number;
}

/**
 * Fully parses and validates the label block starting with `{` at `i`:
 * `{name="value",…}` with escapes `\\`, `\"`, `\n`, optional blanks and a trailing comma
 * (Prometheus text format). Throws a {@link MetricsInputError} naming the column on any error.
 */
export function parseLabels(ctx: LineContext, text: string, i: number, end: number): ParsedLabels {
  const labels: Record<string, string> = {};
  i = skipBlanks(text, i + 1, end);
  while (i >= end || text.charCodeAt(i) !== RBRACE) {
    if (i >= end || !isLabelNameStart(text.charCodeAt(i))) {
      throw syntaxError(ctx, i, `expected label name or '}', found ${describeAt(text, i, end)}`);
    }
    const nameStart = i;
    while (i < end && isLabelNameChar(text.charCodeAt(i))) i++;
    const name = detach(text.substring(nameStart, i));
    if (Object.hasOwn(labels, name)) throw syntaxError(ctx, nameStart, `duplicate label name '${name}'`);
    i = skipBlanks(text, i, end);
    if (i >= end || text.charCodeAt(i) !== EQUALS) {
      throw syntaxError(ctx, i, `expected '=' after label name, found ${describeAt(text, i, end)}`);
    }
    i = skipBlanks(text, i + 1, end);
    if (i >= end || text.charCodeAt(i) !== QUOTE) {
      throw syntaxError(ctx, i, `expected '"' to open the value of label '${name}', found ${describeAt(text, i, end)}`);
    }
    const value = parseLabelValue(ctx, text, i + 1, end);
    labels[name] = value.text;
    i = skipBlanks(text, value.end, end);
    i = afterLabelSeparator(ctx, text, i, end);
  }
  return { labels, end: i + 1 };
}

/** After a label value: consumes `,` (and blanks) or stops at `}`; anything else is an error. */
function afterLabelSeparator(ctx: LineContext, text: string, i: number, end: number): number {
  const c = i < end ? text.charCodeAt(i) : -1;
  if (c === COMMA) return skipBlanks(text, i + 1, end);
  if (c === RBRACE) return i;
  throw syntaxError(ctx, i, `expected ',' or '}' after label value, found ${describeAt(text, i, end)}`);
}

/** Parses a quoted label value whose first character is at `i`; returns the unescaped text and the index after the closing quote. */
function parseLabelValue(ctx: LineContext, text: string, i: number, end: number): { text: string; end: number } {
  const start = i;
  let out = '';
  let runStart = i;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      out += text.substring(runStart, i);
      return { text: detach(out), end: i + 1 };
    }
    if (c !== BACKSLASH) continue;
    out += text.substring(runStart, i);
    const e = i + 1 < end ? text.charCodeAt(i + 1) : -1;
    if (e === BACKSLASH) out += '\\';
    else if (e === QUOTE) out += '"';
    else if (e === 110) out += '\n';
    else throw syntaxError(ctx, i, `invalid escape '\\${i + 1 < end ? text.charAt(i + 1) : ''}' in label value (only \\\\, \\" and \\n are allowed)`);
    i++;
    runStart = i + 1;
  }
  throw syntaxError(ctx, start - 1, 'label value is not closed: missing \'"\' before the end of the line');
}

/**
 * A copy of `s` that does not share memory with the (possibly multi-megabyte) string it was cut
 * from, so that interned keys and label values do not keep whole read chunks alive.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
