/**
 * Reusable zod field schemas of the YAML configuration files, with `expected …, got …` messages.
 * Each carries `yamlType` metadata: how a user writes the value, for the generated configuration
 * reference (`config-reference.ts`); metadata never changes what validates.
 */
import { z } from 'zod';
import { formatDuration, tryParseDurationMs } from './duration.js';
import { LABEL_NAME, METRIC_NAME } from './prometheus-names.js';
import { describeValue, expected, patternString } from './zod-messages.js';

const DURATION_EXAMPLES = 'a duration such as 90s, 5m, 2h or 1h30m';

/**
 * A Prometheus duration string parsed to milliseconds, at least `minMs`. The YAML number `0` is accepted
 * as zero (Prometheus accepts the bare `0` too); any other number is refused because it lacks a unit.
 */
export function durationMs(minMs = 0) {
  const notText = expected(DURATION_EXAMPLES);
  return z.unknown().transform((input, ctx) => {
    const parsed = input === 0 ? { ok: true as const, ms: 0 } : typeof input === 'string' ? tryParseDurationMs(input) : undefined;
    if (parsed === undefined) {
      const hint = typeof input === 'number' ? ` (a number needs a unit, e.g. ${input}s)` : '';
      ctx.issues.push({ code: 'custom', input, message: `${notText({ input })}${hint}` });
      return z.NEVER;
    }
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', input, message: `${notText({ input })} (${parsed.reason})` });
      return z.NEVER;
    }
    if (parsed.ms < minMs) {
      ctx.issues.push({ code: 'custom', input, message: `expected a duration of at least ${formatDuration(minMs)}, got ${describeValue(input)}` });
      return z.NEVER;
    }
    return parsed.ms;
  }).meta({ yamlType: durationType(minMs) });
}

/** `duration`, `duration > 0` or `duration ≥ 1s`: how the reference names a duration of at least `minMs`. */
function durationType(minMs: number): string {
  if (minMs === 0) return 'duration';
  return minMs === 1 ? 'duration > 0' : `duration ≥ ${formatDuration(minMs)}`;
}

/**
 * An http(s) URL (callers make it nullable where null means "off"). A value that is not one is
 * quoted in the message with any `user:password@` masked; an http(s) URL with one is refused by the
 * outbound policy (outbound-policy.ts), which never quotes it either.
 */
export function httpUrl() {
  const message = expected('an http(s) URL or null');
  return z
    .string({ error: message })
    .refine(isHttpUrl, { error: (issue) => message({ ...issue, input: typeof issue.input === 'string' ? withoutUserinfo(issue.input) : issue.input }) })
    .meta({ yamlType: 'http(s) URL' });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `text` with anything between `//` and `@` (a URL's userinfo) masked, for messages about a value that is not a URL. */
function withoutUserinfo(text: string): string {
  return text.replace(/\/\/[^/?#]*@/, '//***@');
}

/** A finite number satisfying `accept`, described as `what` (e.g. `a number in (0, 1)`; the reference drops the article). */
export function numberWhere(what: string, accept: (value: number) => boolean) {
  const message = expected(what);
  return z.number({ error: message }).refine(accept, { error: message }).meta({ yamlType: what.replace(/^an? /, '') });
}

/** An integer in [min, max]. */
export function integerIn(min: number, max: number) {
  const what = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
  return numberWhere(what, (value) => Number.isInteger(value) && value >= min && value <= max);
}

/** A metric name (classic Prometheus characters plus `.`). */
export function metricName() {
  return patternString(METRIC_NAME, 'a metric name ([a-zA-Z_:][a-zA-Z0-9_:.]*)').meta({ yamlType: 'metric name' });
}

/** A label name (classic Prometheus characters plus `.`). */
export function labelName() {
  return patternString(LABEL_NAME, 'a label name ([a-zA-Z_][a-zA-Z0-9_.]*)').meta({ yamlType: 'label name' });
}

/** A list of distinct label names (may be empty). */
export function labelNameList() {
  return z
    .array(labelName(), { error: expected('a list of label names') })
    .superRefine((names, ctx) => reportDuplicates(names, ctx, 'label'))
    .meta({ yamlType: 'list of label names' });
}

/** Adds one issue per repeated entry of `values`, at the repeated index. */
export function reportDuplicates(values: readonly unknown[], ctx: z.core.$RefinementCtx, what: string): void {
  const firstIndex = new Map<unknown, number>();
  values.forEach((value, index) => {
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else ctx.addIssue({ code: 'custom', path: [index], input: value, message: `duplicate ${what} ${describeValue(value)} (also at [${first}])` });
  });
}
