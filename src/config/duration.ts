/**
 * Prometheus-style durations (`500ms`, `90s`, `5m`, `2h`, `1d`, `1w`, `1y`, compounds such as `1h30m`),
 * following Prometheus' `model.ParseDuration`: integers only, units in descending order, each at most
 * once, `d` = 24h, `w` = 7d, `y` = 365d, and a bare `0` allowed.
 */

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** Units from largest to smallest, as Prometheus orders them. */
const UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * MS_PER_DAY],
  ['w', 7 * MS_PER_DAY],
  ['d', MS_PER_DAY],
  ['h', MS_PER_HOUR],
  ['m', MS_PER_MINUTE],
  ['s', MS_PER_SECOND],
  ['ms', 1],
];

const UNIT_LIST = 'ms, s, m, h, d, w, y';
const TOKEN = /(\d+)([A-Za-zµ]*)/y;

/** Result of {@link tryParseDurationMs}: the duration in ms, or why the text is not a duration. */
export type DurationParse = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/**
 * Parses a Prometheus-style duration without throwing.
 * @returns `{ ok: true, ms }` (milliseconds) or `{ ok: false, reason }` with a short human-readable reason.
 */
export function tryParseDurationMs(text: string): DurationParse {
  if (text === '0') return { ok: true, ms: 0 };
  if (text === '') return fail('empty text');
  if (/^-/.test(text)) return fail('negative durations are not allowed');
  if (/^\d+$/.test(text)) return fail(`missing unit after ${text} (one of ${UNIT_LIST})`);
  let totalMs = 0;
  let lastRank = -1;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null) return fail(unexpectedAt(text, start));
    const [, digits = '', unit = ''] = match;
    if (unit === '') return fail(missingUnit(text, TOKEN.lastIndex, digits));
    const rank = UNITS.findIndex(([name]) => name === unit);
    if (rank < 0) return fail(`unknown unit ${JSON.stringify(unit)} (expected one of ${UNIT_LIST})`);
    if (rank <= lastRank) return fail('units must appear once each, in descending order (y, w, d, h, m, s, ms)');
    lastRank = rank;
    totalMs += Number(digits) * (UNITS[rank]?.[1] ?? 0);
  }
  if (!Number.isSafeInteger(totalMs)) return fail('too large');
  return { ok: true, ms: totalMs };
}

/**
 * Parses a Prometheus-style duration such as `90s`, `5m`, `2h` or `1h30m`.
 * @returns the duration in milliseconds.
 * @throws RangeError naming the text and what is wrong with it.
 */
export function parseDurationMs(text: string): number {
  const result = tryParseDurationMs(text);
  if (!result.ok) throw new RangeError(`invalid duration ${JSON.stringify(text)}: ${result.reason}`);
  return result.ms;
}

/**
 * Formats milliseconds the way Prometheus prints durations: largest units first, zero parts omitted
 * (`5400000` → `1h30m`, `0` → `0s`). `parseDurationMs(formatDuration(ms)) === ms` for every valid input.
 * @param ms a non-negative safe integer number of milliseconds.
 * @throws RangeError for negative, fractional or non-finite input.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`cannot format ${ms} ms as a duration: expected a non-negative integer`);
  }
  if (ms === 0) return '0s';
  let restMs = ms;
  let text = '';
  for (const [unit, unitMs] of UNITS) {
    const count = Math.floor(restMs / unitMs);
    if (count > 0) {
      text += `${count}${unit}`;
      restMs -= count * unitMs;
    }
  }
  return text;
}

function fail(reason: string): DurationParse {
  return { ok: false, reason };
}

function unexpectedAt(text: string, index: number): string {
  const char = text[index] ?? '';
  if (char === '.' || char === ',') return 'fractions are not allowed; combine units instead, e.g. 1h30m';
  if (/\s/.test(char)) return 'spaces are not allowed';
  return `unexpected ${JSON.stringify(char)} at position ${index + 1}; expected a number followed by a unit (${UNIT_LIST})`;
}

function missingUnit(text: string, index: number, digits: string): string {
  if (index >= text.length) return `missing unit after ${digits} (one of ${UNIT_LIST})`;
  return unexpectedAt(text, index);
}
