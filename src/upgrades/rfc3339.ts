/** RFC 3339 timestamps (`2026-04-10T12:00:00Z`, `2026-04-10T14:00:00.250+02:00`) to and from epoch ms. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time with a mandatory offset (`Z` or `±hh:mm`); fractions beyond milliseconds
 * are truncated. Calendar fields are checked (no February 30th); leap seconds are refused.
 * @returns Unix epoch milliseconds, or undefined when `text` is not such a timestamp.
 */
export function parseRfc3339Ms(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fractionMs = Number(((match[7] ?? '') + '000').slice(0, 3));
  const offsetSign = match[8] === '-' ? -1 : 1;
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  return utcMs(year, month, day, hour, minute, second, fractionMs) - offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** Formats epoch ms as UTC RFC 3339 (`2026-04-10T12:00:00Z`), with milliseconds only when non-zero. */
export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** Epoch ms of a UTC calendar time (month 1-12); unlike `Date.UTC`, which reads years 0-99 as 1900-1999. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}
